/**
 * Whether the sources of one golden record name the same person. Survivorship picks each name part on
 * its own; without this check a golden record joining two people (a steward's forced link, a
 * household's shared account) comes out as "Frau Dr. Hans Schmidt": the salutation and title of one
 * person on the other's name. A part a source lacks agrees with anything, so an incomplete legacy
 * record still lends what it has.
 */
import { compareFamilyNames, compareGivenNames } from './matching/compare-names';
import { normalizeName, type NormalizedName } from './matching/normalize-name';

/**
 * Names of one golden computation, each source's normalized once. Family names agree unless the
 * matching module calls them different (a typo, a phonetic variant, a double name's part is the same
 * family name); given names agree when one is a nickname, an initial, a typo or a middle name of the
 * other.
 */
export class NameAgreement<S> {
  private readonly normalized = new Map<S, NormalizedName>();
  private readonly winners = new Map<string, NormalizedName>();

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
    const key = `${givenName ?? ''}\u0000${familyName ?? ''}`;
    let name = this.winners.get(key);
    if (!name) this.winners.set(key, (name = normalizeName(givenName, familyName)));
    return name;
  }

  private of(source: S): NormalizedName {
    let name = this.normalized.get(source);
    if (!name) {
      const parts = this.nameOf(source);
      this.normalized.set(source, (name = normalizeName(parts?.givenName, parts?.familyName)));
    }
    return name;
  }
}
