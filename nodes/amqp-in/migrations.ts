import { FIRST_VERSION, type Migration } from '../shared/migrate';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  // 2: the record-sync topology's inbound queue as an option; older configs consume what they name
  { version: 2, up: (config) => ({ topology: '', ...config }) },
  // 3: msg.payload as decoded, or the body as it came; older configs decode, as they did
  { version: 3, up: (config) => ({ output: 'auto', ...config }) },
  // 4: poison-message arguments for the queue typed in; older configs keep the queue they declared
  // (RabbitMQ refuses to declare an existing queue with other arguments)
  { version: 4, up: (config) => ({ deliveryLimit: '', atLeastOnce: false, ...config }) },
];
