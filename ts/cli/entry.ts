// Entry of the bundled CLI (dist/ocirun.cjs), which bin/ocirun loads.
import { main } from './main.ts';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`ocirun: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
