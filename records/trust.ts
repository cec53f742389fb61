/**
 * Source trust per attribute: how much the golden record believes a system about one attribute.
 * Each legacy system states its trust (on its `legacy-system` config node); survivorship asks here.
 * An attribute's trust is looked up by its path (e.g. "person.familyName"), then by its group
 * ("name"), then the system's default, then the configuration's default, then 0.
 */

/** Attribute groups a trust can be stated for, each with the attribute paths it covers. */
export const ATTRIBUTE_GROUPS = {
  classification: ['kind', 'tier', 'segment'],
  name: [
    'person.salutation',
    'person.title',
    'person.givenName',
    'person.middleNames',
    'person.familyName',
    'organization.legalName',
    'organization.nameLines',
  ],
  birthDate: ['birthDate'],
  addresses: ['addresses'],
  contacts: ['emails', 'phones'],
  identifiers: ['identifiers'],
  consents: ['consents'],
} as const;

export type AttributeGroup = keyof typeof ATTRIBUTE_GROUPS;
export type AttributePath = (typeof ATTRIBUTE_GROUPS)[AttributeGroup][number];

const GROUP_OF = new Map<string, AttributeGroup>(
  (Object.keys(ATTRIBUTE_GROUPS) as AttributeGroup[]).flatMap((group) =>
    ATTRIBUTE_GROUPS[group].map((path): [string, AttributeGroup] => [path, group]),
  ),
);

export function groupOf(path: AttributePath): AttributeGroup {
  return GROUP_OF.get(path) as AttributeGroup;
}

/** One system's trust, as its `legacy-system` node states it. Higher is more trusted. */
export interface SystemTrust {
  /** for the attributes not listed */
  default?: number;
  /** by group ("addresses") or path ("person.familyName"); a path beats its group */
  attributes?: Partial<Record<AttributeGroup | AttributePath, number>>;
}

export interface TrustConfig {
  /** for systems not listed (and events of such systems); 0 when left out */
  default?: number;
  /** by system id, e.g. { sap: { default: 5, attributes: { addresses: 9 } } } */
  systems?: Record<string, SystemTrust>;
}

export type TrustLookup = (system: string, path: AttributePath) => number;

function checkNumber(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`trust: ${where} must be a finite number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Checks a configuration once and returns the lookup survivorship uses. An unknown attribute name is
 * an error (a typo would otherwise silently leave the default in force).
 */
export function compileTrust(config: TrustConfig = {}): TrustLookup {
  const fallback = checkNumber(config.default, 'default') ?? 0;
  const systems = new Map<string, { fallback: number; byKey: Map<string, number> }>();
  for (const [system, trust] of Object.entries(config.systems ?? {})) {
    const byKey = new Map<string, number>();
    for (const [key, value] of Object.entries(trust.attributes ?? {})) {
      if (!GROUP_OF.has(key) && !(key in ATTRIBUTE_GROUPS)) {
        const known = [...Object.keys(ATTRIBUTE_GROUPS), ...GROUP_OF.keys()].join(', ');
        throw new Error(
          `trust: systems.${system}.attributes has unknown attribute "${key}"; known: ${known}`,
        );
      }
      byKey.set(key, checkNumber(value, `systems.${system}.attributes.${key}`) as number);
    }
    systems.set(system, {
      fallback: checkNumber(trust.default, `systems.${system}.default`) ?? fallback,
      byKey,
    });
  }
  return (system, path) => {
    const trust = systems.get(system);
    if (!trust) return fallback;
    return trust.byKey.get(path) ?? trust.byKey.get(groupOf(path)) ?? trust.fallback;
  };
}
