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

/** The scale a `legacy-system` node states trust on; higher is more trusted. */
export const TRUST_MIN = 0;
export const TRUST_MAX = 100;
/** A system that states no trust (or is not configured at all) counts this much: the middle. */
export const DEFAULT_TRUST = 50;

/**
 * Names an integrator may write in a `legacy-system` node's overrides, besides the groups and paths:
 * the singular words people type ("address: 90, email: 40").
 */
const ALIASES: Record<string, AttributeGroup | AttributePath> = {
  address: 'addresses',
  email: 'emails',
  phone: 'phones',
  contact: 'contacts',
  identifier: 'identifiers',
  consent: 'consents',
  names: 'name',
};

/** Every name an override may use, lower-cased, to its group or path. */
const OVERRIDE_NAMES = new Map<string, AttributeGroup | AttributePath>([
  ...(Object.keys(ATTRIBUTE_GROUPS) as AttributeGroup[]).map((group): [string, AttributeGroup] => [
    group.toLowerCase(),
    group,
  ]),
  ...[...GROUP_OF.keys()].map((path): [string, AttributePath] => [path.toLowerCase(), path as AttributePath]),
  ...Object.entries(ALIASES),
]);

/** The names an override may use, as the editor lists and checks them (groups, paths, aliases). */
export function trustAttributeNames(): string[] {
  return [...new Set([...Object.keys(ATTRIBUTE_GROUPS), ...GROUP_OF.keys(), ...Object.keys(ALIASES)])];
}

export class TrustConfigError extends Error {
  readonly kind = 'trust-config';
  constructor(
    message: string,
    /** the part of the text that is wrong, e.g. "adress: 90" */
    readonly part?: string,
  ) {
    super(message);
    this.name = 'TrustConfigError';
  }
}

/** A trust value as the editor saves it (a number or its text), checked against 0..100. */
export function parseTrustValue(value: unknown, where: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < TRUST_MIN || number > TRUST_MAX) {
    throw new TrustConfigError(
      `${where} must be a number from ${TRUST_MIN} to ${TRUST_MAX}, got ${JSON.stringify(value)}`,
      String(value),
    );
  }
  return number;
}

/**
 * A `legacy-system` node's trust as the editor saves it: a default, and overrides written as
 * `address: 90, email: 40` (commas or new lines between them; groups, paths or the singular words).
 * Throws a TrustConfigError that names the wrong part; an attribute named twice is an error too.
 */
export function parseSystemTrust(defaultTrust: unknown, overrides: string | undefined): SystemTrust {
  const trust: SystemTrust = {};
  if (defaultTrust !== undefined && defaultTrust !== '') {
    trust.default = parseTrustValue(defaultTrust, 'the default trust');
  }
  const attributes: NonNullable<SystemTrust['attributes']> = {};
  const parts = (overrides ?? '')
    .split(/[,;\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
  for (const part of parts) {
    const match = /^([A-Za-z][\w.]*)\s*[:=]\s*(\S+)$/.exec(part);
    if (!match) {
      throw new TrustConfigError(`"${part}" is not of the form <attribute>: <trust>, e.g. address: 90`, part);
    }
    const key = OVERRIDE_NAMES.get(match[1].toLowerCase());
    if (!key) {
      throw new TrustConfigError(
        `"${match[1]}" is not an attribute; known: ${trustAttributeNames().join(', ')}`,
        part,
      );
    }
    if (key in attributes) throw new TrustConfigError(`"${key}" is given twice`, part);
    attributes[key] = parseTrustValue(match[2], `the trust of ${key}`);
  }
  if (Object.keys(attributes).length) trust.attributes = attributes;
  return trust;
}

/**
 * The trust of the systems deployed now, as survivorship asks it: each `legacy-system` node states
 * its own when it starts and withdraws it when it stops, so a redeploy changes what the next golden
 * computation uses without a restart. `lookup` stays the same function for the registry's lifetime
 * (the golden intake keeps it); it reads whatever is registered when it is called.
 */
export class TrustRegistry {
  private readonly owners = new Map<string, { systemId: string; trust: SystemTrust }>();
  private compiled: TrustLookup | undefined;

  constructor(private readonly fallback = DEFAULT_TRUST) {}

  /**
   * States an owner's (a node's) trust for its system. Returns the other owners that state a trust
   * for the same system: the last one set is the one used, which the caller should warn about.
   */
  set(ownerId: string, systemId: string, trust: SystemTrust): string[] {
    compileTrust({ systems: { [systemId]: trust } });
    this.owners.delete(ownerId);
    const others = [...this.owners].filter(([, o]) => o.systemId === systemId).map(([id]) => id);
    this.owners.set(ownerId, { systemId, trust });
    this.compiled = undefined;
    return others;
  }

  remove(ownerId: string): void {
    if (this.owners.delete(ownerId)) this.compiled = undefined;
  }

  /** What is in force, for explanations and tests: the last owner set per system wins. */
  config(): TrustConfig {
    const systems: Record<string, SystemTrust> = {};
    for (const { systemId, trust } of this.owners.values()) systems[systemId] = trust;
    return { default: this.fallback, systems };
  }

  readonly lookup: TrustLookup = (system, path) => {
    this.compiled ??= compileTrust(this.config());
    return this.compiled(system, path);
  };
}
