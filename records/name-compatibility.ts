/**
 * Whether the sources of one golden record name the same person. Survivorship picks each name part on
 * its own; without this check a golden record joining two people (a steward's forced link, a
 * household's shared account) comes out as "Frau Dr. Hans Schmidt": the salutation and title of one
 * person on the other's name. A part a source lacks agrees with anything, so an incomplete legacy
 * record still lends what it has.
 */
import { compareFamilyNames, compareGivenNames } from './matching/compare-names';
import { normalizedName as normalized, type NormalizedName } from './matching/normalize-name';

/**
 * Names of one golden computation, each source's normalized once. Family names agree unless the
 * matching module calls them different (a typo, a phonetic variant, a double name's part is the same
 * family name); given names agree when one is a nickname, an initial, a typo or a middle name of the
 * other.
 */
export class NameAgreement<S> {
  private readonly normalized = new Map<S, NormalizedName>();

  constructor(
    private readonly nameOf: (source: S) => { givenName?: string; familyName?: string } | undefined,
  ) {}

  familyAgrees(source: S, familyName: string | undefined): boolean {
    const compared = compareFamilyNames(this.of(source).family, this.winner(undefined, familyName).family);
    return compared === undefined || compared.level !== 'differ';
  }

  givenAgrees(source: S, givenName: string | undefined): boolean {
    const compared = compareGivenNames(this.of(source).given, this.winner(givenName, undefined).given);
    return compared === undefined || compared.level !== 'differ';
  }

  /** the part that won, asked about once per source: normalized once */
  private winner(givenName: string | undefined, familyName: string | undefined): NormalizedName {
    return normalized(givenName, familyName);
  }

  private of(source: S): NormalizedName {
    let name = this.normalized.get(source);
    if (!name) {
      const parts = this.nameOf(source);
      this.normalized.set(source, (name = normalized(parts?.givenName, parts?.familyName)));
    }
    return name;
  }
}

type NameParts = { givenName?: string; familyName?: string };

/**
 * The sources whose given and family name fields hold the same two names as the others, crosswise
 * (some systems, or the people typing into them, swap the two fields). A source is read crosswise
 * only when the sources that write the two names the other way round outweigh it and those that
 * agree with it: by trust, then by their number. Without another order to compare with (or at a
 * tie) a source is taken as it is, since nothing says which way round is right.
 */
export function crosswiseSources<S>(
  sources: readonly S[],
  nameOf: (source: S) => NameParts | undefined,
  trustOf: (source: S) => number,
): Set<S> {
  const complete = sources.flatMap((source) => {
    const parts = nameOf(source);
    if (!parts?.givenName?.trim() || !parts.familyName?.trim()) return [];
    const asGiven = normalized(parts.givenName, parts.familyName);
    const crosswise = normalized(parts.familyName, parts.givenName);
    return [{ source, asGiven, crosswise, trust: trustOf(source) }];
  });
  const out = new Set<S>();
  if (complete.length < 2) return out;
  for (const one of complete) {
    const same = { trust: one.trust, count: 1 };
    const swapped = { trust: 0, count: 0 };
    for (const other of complete) {
      if (other === one) continue;
      if (namesAgree(one.asGiven, other.asGiven)) {
        same.trust += other.trust;
        same.count++;
      } else if (namesAgree(one.crosswise, other.asGiven)) {
        swapped.trust += other.trust;
        swapped.count++;
      }
    }
    if (swapped.trust > same.trust || (swapped.trust === same.trust && swapped.count > same.count))
      out.add(one.source);
  }
  return out;
}

/** Both parts present and neither called different by matching. */
function namesAgree(a: NormalizedName, b: NormalizedName): boolean {
  const family = compareFamilyNames(a.family, b.family);
  const given = compareGivenNames(a.given, b.given);
  return family !== undefined && given !== undefined && family.level !== 'differ' && given.level !== 'differ';
}

/** A person's name read crosswise: the given name field as the family name and the other way round. */
export function readCrosswise<P extends NameParts>(person: P): P {
  return { ...person, givenName: person.familyName, familyName: person.givenName };
}
