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
  const config: StrictConfig<O> = { args, options, allowPositionals: true, strict: true };
  try {
    return parseArgs(config);
  } catch (err) {
    throw usageError(errorMessage(err));
  }
}
