import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../../formats/error-message';

type Options = NonNullable<ParseArgsConfig['options']>;
type StrictConfig<O extends Options> = {
  args: string[];
  options: O;
  allowPositionals: true;
  strict: true;
};

/**
 * A command's options and positionals, parsed strictly (an unknown option or a missing value is an
 * error); a failure becomes the command's usage error, made by `usageError` from the parser's message.
 */
export function parseCommandArgs<O extends Options>(
  args: string[],
  options: O,
  usageError: (message: string) => Error,
): ReturnType<typeof parseArgs<StrictConfig<O>>> {
  const config: StrictConfig<O> = {
    args: joinNegativeValues(args, options),
    options,
    allowPositionals: true,
    strict: true,
  };
  try {
    return parseArgs(config);
  } catch (err) {
    throw usageError(errorMessage(err));
  }
}

/**
 * `--limit -1` reads to node:util as an option without its value ("argument is ambiguous"); joined
 * as `--limit=-1` the value reaches the command's own check, which names the range it takes.
 */
function joinNegativeValues(args: string[], options: Options): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : undefined;
    const next = args[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else joined.push(args[i]);
  }
  return joined;
}
