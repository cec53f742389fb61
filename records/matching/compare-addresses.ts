/**
 * Addresses to comparison levels. A person may have several addresses (postal, billing, home); the
 * pair's level is the best level of any address of one side against any of the other.
 */
import { bestOf, type Compared } from './compared';
import type { NormalizedAddress } from './normalize-address';
import { jaroWinklerSimilarity } from './string-metrics';
import type { LevelOf } from './weights';

const ORDER: readonly LevelOf<'address'>[] = [
  'exact',
  'street-typo',
  'same-street',
  'same-postal-code',
  'same-city',
  'differ',
];

/**
 * The postal code or the city: a street and house number that agree within one city are one place
 * even when a postal code is mistyped or out of date.
 */
function samePlace(a: NormalizedAddress, b: NormalizedAddress): boolean {
  if (a.postalCode && a.postalCode === b.postalCode) return true;
  return a.city !== undefined && a.city === b.city;
}

function compareOne(a: NormalizedAddress, b: NormalizedAddress): LevelOf<'address'> {
  if (a.street && b.street && samePlace(a, b)) {
    const sameStreet = a.street === b.street;
    if (sameStreet || jaroWinklerSimilarity(a.street, b.street) >= 0.92) {
      if (a.houseNumber !== undefined && a.houseNumber === b.houseNumber)
        return sameStreet ? 'exact' : 'street-typo';
      return 'same-street';
    }
  }
  if (a.postalCode && a.postalCode === b.postalCode) return 'same-postal-code';
  if (a.cityKey && a.cityKey === b.cityKey) return 'same-city';
  return 'differ';
}

export function showAddress(a: NormalizedAddress): string {
  const street = [a.street, a.houseNumber].filter(Boolean).join(' ');
  const place = [a.postalCode, a.city].filter(Boolean).join(' ');
  return [street, place, a.country].filter(Boolean).join(', ');
}

export function compareAddresses(
  a: readonly NormalizedAddress[],
  b: readonly NormalizedAddress[],
): Compared<LevelOf<'address'>> | undefined {
  return bestOf(a, b, ORDER, compareOne, showAddress);
}
