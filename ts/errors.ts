// ocirun's errors: one base class with a code, and a subclass per cause. Only the CLI turns
// them into exit codes and messages.

export class OciRunError extends Error {
  readonly code: string;

  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A bad flag, id, signal or other argument. */
export class InvalidArgumentError extends OciRunError {
  constructor(message: string) {
    super(message, 'EINVAL');
  }
}

/**
 * config.json is missing, malformed, or asks for something invalid. `field` is the JSON path
 * of the offending field ("linux.resources.memory.limit"), empty for the whole document.
 */
export class ConfigError extends OciRunError {
  readonly field: string;

  constructor(field: string, problem: string, file = 'config.json') {
    super(field ? `${file}: ${field}: ${problem}` : `${file}: ${problem}`, 'ECONFIG');
    this.field = field;
  }
}

export class ContainerNotFoundError extends OciRunError {
  readonly id: string;

  constructor(id: string) {
    super('container does not exist', 'ENOTFOUND');
    this.id = id;
  }
}

export class ContainerExistsError extends OciRunError {
  readonly id: string;

  constructor(id: string) {
    super('container with given ID already exists', 'EEXIST');
    this.id = id;
  }
}

/** An operation the container's current status does not allow. */
export class InvalidStateError extends OciRunError {
  readonly id: string;
  readonly status: string;
  readonly operation: string;

  constructor(id: string, status: string, operation: string, message: string) {
    super(message, 'ESTATE');
    this.id = id;
    this.status = status;
    this.operation = operation;
  }
}

/** The container's init failed at a step of its bootstrap ("mount proc on /proc: EPERM"). */
export class InitError extends OciRunError {
  readonly step: string;
  readonly errno: string | undefined;

  constructor(step: string, errno: string | undefined, message: string, code = 'EINIT') {
    super(message, code);
    this.step = step;
    this.errno = errno;
  }
}

/**
 * A hook of config.json failed ("createRuntime hook #0 (/usr/bin/foo) exited with status 3:
 * its stderr"): a step of the container's setup whichever side ran it. `step` names its kind
 * ("create_runtime_hook"); `errno` is set when it could not be executed.
 */
export class HookError extends InitError {
  constructor(step: string, errno: string | undefined, message: string) {
    super(step, errno, message, 'EHOOK');
  }
}

/** A system call on the runtime's side failed. */
export class SystemError extends OciRunError {
  readonly errno: string | undefined;

  constructor(code: string, errno: string | undefined, message: string) {
    super(message, code);
    this.errno = errno;
  }
}

/** No native addon for this platform could be loaded. */
export class NativeUnavailableError extends OciRunError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'ENATIVE', options);
  }
}
