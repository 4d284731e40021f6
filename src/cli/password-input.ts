import { CliError } from './cli-error.js';

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = ['\u007f', '\b'];

/**
 * The new admin's password, never from the command line (it would show in `ps` and the shell
 * history): typed twice without echo at a terminal, or else the first line of standard input.
 */
export async function readPassword(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  if (!input.isTTY) return firstLine(input);
  const password = await promptHidden('Password for the new admin: ', input, output);
  const repeated = await promptHidden('Repeat the password: ', input, output);
  if (password !== repeated) throw new CliError('The two passwords differ; nothing was created.');
  return password;
}

async function firstLine(input: NodeJS.ReadStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0].replace(/\r$/, '');
}

function promptHidden(
  question: string,
  input: NodeJS.ReadStream,
  output: NodeJS.WritableStream,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const typed: string[] = [];
    const finish = (settle: () => void) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      settle();
    };
    const onData = (chunk: Buffer | string) => {
      const chars = [...String(chunk)];
      for (const [index, char] of chars.entries()) {
        if (char === '\r' || char === '\n' || char === CTRL_D) {
          // Whatever was typed ahead belongs to the next prompt.
          const rest = chars.slice(index + 1).join('');
          if (rest) input.unshift(rest);
          return finish(() => resolve(typed.join('')));
        }
        if (char === CTRL_C) return finish(() => reject(new CliError('Cancelled.', 130)));
        if (BACKSPACE.includes(char)) typed.pop();
        else typed.push(char);
      }
    };
    output.write(question);
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
  });
}
