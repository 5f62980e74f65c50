// What the build stamps into the bundles (scripts/build.ts defines both); code run straight
// from the sources says so instead.
declare const __OCIRUN_VERSION__: string | undefined;
declare const __OCIRUN_COMMIT__: string | undefined;

export const OCIRUN_VERSION = typeof __OCIRUN_VERSION__ === 'string' ? __OCIRUN_VERSION__ : '0.0.0-dev';
export const OCIRUN_COMMIT = typeof __OCIRUN_COMMIT__ === 'string' ? __OCIRUN_COMMIT__ : 'unknown';
