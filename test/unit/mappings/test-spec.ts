import type { Rule, SystemSpec } from '../../../mappings/engine';

/** A one-record-kind system ("test"/"Thing") producing an interaction event, for engine tests. */
export function eventSpec(fields: unknown[], set: Record<string, unknown> = {}): SystemSpec {
  return {
    system: 'test',
    title: 'test system',
    inbound: {
      Thing: {
        produces: 'interaction-event',
        set: {
          type: 'customer-changed',
          schemaVersion: '1.0',
          channel: 'erp',
          'source.system': 'test',
          'customer.ref': 'test:1',
          'customer.identifiers': [],
          data: {},
          ...set,
        },
        fields: fields as Rule[],
      },
    },
  };
}
