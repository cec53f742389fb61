import { FIRST_VERSION, savedVersion, type Migration, type SavedConfig } from '../shared/migrate';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  // 2: the record-sync topology's inbound queue as an option; older configs consume what they name
  {
    version: 2,
    up: (config) => ({ topology: '', ...config }),
    note: 'topology "queue and bindings as typed", as before',
  },
  // 3: msg.payload as decoded, or the body as it came; older configs decode, as they did
  {
    version: 3,
    up: (config) => ({ output: 'auto', ...config }),
    note: 'output "auto" (JSON parsed, text as string), as before',
  },
  // 4: poison-message arguments for the queue typed in; older configs keep the queue they declared
  // (RabbitMQ refuses to declare an existing queue with other arguments)
  {
    version: 4,
    up: (config) => ({ deliveryLimit: '', atLeastOnce: false, ...config }),
    note:
      'no delivery limit and no at-least-once dead-lettering, so the queue keeps the arguments it was ' +
      'declared with; a poison message is redelivered without end (the node says how to switch the ' +
      'protection on)',
  },
];

/**
 * A config saved before version 4 that still sets neither a delivery limit nor at-least-once
 * dead-lettering: its queue runs without poison-message protection because the migration kept the
 * arguments the queue was declared with. The record-sync topology declares its own arguments.
 */
export function unprotectedAfterMigration(
  saved: object,
  config: { topology?: string; atLeastOnce?: boolean },
  deliveryLimit: number | undefined,
): boolean {
  return (
    savedVersion(saved as SavedConfig) < 4 &&
    !config.topology &&
    deliveryLimit === undefined &&
    !config.atLeastOnce
  );
}
