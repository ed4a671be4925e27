// A terminated container's message (kuberuntime_container.go): the file at its
// terminationMessagePath (at most 4096 bytes), else with FallbackToLogsOnError and a
// failure, the tail of its log (80 lines, at most 2048 bytes).

import { readFileSync } from 'node:fs';

const MAX_MESSAGE_BYTES = 4096;
const MAX_LOG_BYTES = 2048;
const MAX_LOG_LINES = 80;

function tail(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text);
  return bytes.length <= maxBytes ? text : bytes.subarray(bytes.length - maxBytes).toString();
}

/** The content of CRI log lines ("<time> <stream> <F|P> <content>"), partial lines joined. */
export function criLogContent(log: string): string {
  let out = '';
  for (const line of log.split('\n')) {
    const match = /^\S+ (?:stdout|stderr) ([FP]) ?(.*)$/.exec(line);
    if (!match) continue;
    out += match[2]! + (match[1] === 'F' ? '\n' : '');
  }
  return out;
}

export function readTerminationMessage(messagePath: string, logPath: string, fallbackToLogs: boolean): string {
  let message = '';
  try {
    message = tail(readFileSync(messagePath, 'utf8'), MAX_MESSAGE_BYTES);
  } catch {
    // No file: no message.
  }
  if (message || !fallbackToLogs) return message;
  try {
    const lines = criLogContent(readFileSync(logPath, 'utf8')).split('\n');
    if (lines.at(-1) === '') lines.pop();
    return tail(lines.slice(-MAX_LOG_LINES).join('\n') + (lines.length > 0 ? '\n' : ''), MAX_LOG_BYTES);
  } catch {
    return '';
  }
}
