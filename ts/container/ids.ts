// Container ids, as runc accepts them: letters, digits, and _ + - . ; never "." or "..", and
// short enough to be a directory name.
import { InvalidArgumentError } from '../errors.ts';

const ID_PATTERN = /^[\w+\-.]+$/;
const MAX_ID_LENGTH = 255;

export function validateId(id: string): void {
  if (!id) throw new InvalidArgumentError('container id cannot be empty');
  if (!ID_PATTERN.test(id) || id === '.' || id === '..' || id.length > MAX_ID_LENGTH) {
    throw new InvalidArgumentError('invalid container ID format');
  }
}
