import { BusError } from '../../connectors/amqp/bus-error';
import type { RED } from '../shared/red';

/**
 * Through the default exchange, "unroutable" means the queue does not exist. The bus says it in its
 * own words (exchange '', routing key '<queue>'), which are not the ones the integrator typed in, and
 * not what to do about it. The kind stays `unroutable`, so a Catch node routes it as before.
 */
export function noSuchQueue(RED: RED, queue: string, returned: BusError): BusError {
  return new BusError(
    'unroutable',
    RED._('amqp-out.errors.no-such-queue', { queue, error: returned.message }),
    {
      replyCode: returned.replyCode,
      cause: returned,
    },
  );
}
