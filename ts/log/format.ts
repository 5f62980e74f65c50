// Log lines in the formats runc writes (logrus text and JSON), which container managers parse:
//   time="2026-11-28T23:32:22Z" level=error msg="container does not exist"
//   {"level":"error","msg":"container does not exist","time":"2026-11-28T23:32:22Z"}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, string | number | boolean | undefined>;

/** logrus names the warn level "warning". */
function levelName(level: LogLevel): string {
  return level === 'warn' ? 'warning' : level;
}

/** RFC 3339 in UTC without fractional seconds, as logrus prints by default. */
export function logTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function quote(value: string): string {
  return /^[A-Za-z0-9_./:-]+$/.test(value) ? value : JSON.stringify(value);
}

export function formatLine(format: LogFormat, level: LogLevel, msg: string, time: Date, fields: LogFields = {}): string {
  const extra = Object.entries(fields).filter((e): e is [string, string | number | boolean] => e[1] !== undefined);
  if (format === 'json') {
    const obj: Record<string, unknown> = { level: levelName(level), msg, time: logTime(time) };
    for (const [k, v] of extra) obj[k] = v;
    return JSON.stringify(obj) + '\n';
  }
  let line = `time="${logTime(time)}" level=${levelName(level)} msg=${JSON.stringify(msg)}`;
  for (const [k, v] of extra) line += ` ${k}=${quote(String(v))}`;
  return line + '\n';
}
