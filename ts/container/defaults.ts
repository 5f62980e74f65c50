// Defaults shared by the library and the CLI, kept apart so the CLI can read them cheaply.

/** Where container state lives unless --root says otherwise (runc uses /run/runc). */
export const DEFAULT_ROOT = '/run/ocirun';
