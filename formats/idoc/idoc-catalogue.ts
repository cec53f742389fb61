/**
 * What the IDoc writer knows about DEBMAS07 (customer master): the field order of each segment
 * and the order of child segments, as in the segment definitions SAP publishes (WE31/WE30).
 * Fields and segments not listed here are still read and written, after the known ones, so an
 * extension (Z-segments, newer releases) passes through unchanged.
 */

export const CONTROL_RECORD = 'EDI_DC40';

export const CONTROL_FIELDS: readonly string[] = [
  'TABNAM', 'MANDT', 'DOCNUM', 'DOCREL', 'STATUS', 'DIRECT', 'OUTMOD', 'EXPRSS', 'TEST', 'IDOCTYP',
  'CIMTYP', 'MESTYP', 'MESCOD', 'MESFCT', 'STD', 'STDVRS', 'STDMES', 'SNDPOR', 'SNDPRT', 'SNDPFC',
  'SNDPRN', 'SNDSAD', 'SNDLAD', 'RCVPOR', 'RCVPRT', 'RCVPFC', 'RCVPRN', 'RCVSAD', 'RCVLAD', 'CREDAT',
  'CRETIM', 'REFINT', 'REFGRP', 'REFMES', 'ARCKEY', 'SERIAL',
]; // prettier-ignore

export const SEGMENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  E1KNA1M: [
    'MSGFN', 'KUNNR', 'ADRNR', 'ANRED', 'AUFSD', 'BAHNE', 'BAHNS', 'BBBNR', 'BBSNR', 'BEGRU', 'BRSCH',
    'BUBKZ', 'DATLT', 'ERDAT', 'ERNAM', 'EXABL', 'FAKSD', 'FISKN', 'KNAZK', 'KNRZA', 'KONZS', 'KTOKD',
    'KUKLA', 'LAND1', 'LIFNR', 'LIFSD', 'LOCCO', 'LOEVM', 'NAME1', 'NAME2', 'NAME3', 'NAME4', 'NIELS',
    'ORT01', 'ORT02', 'PFACH', 'PSTL2', 'PSTLZ', 'REGIO', 'COUNC', 'CITYC', 'RPMKR', 'SORTL', 'SPERR',
    'SPRAS', 'STCD1', 'STCD2', 'STKZA', 'STKZU', 'STRAS', 'TELBX', 'TELF1', 'TELF2', 'TELFX', 'TELTX',
    'TELX1', 'LZONE', 'XZEMP', 'VBUND', 'STCEG', 'DEAR1', 'DEAR2', 'DEAR3', 'DEAR4', 'DEAR5', 'GFORM',
    'BRAN1', 'BRAN2', 'BRAN3', 'BRAN4', 'BRAN5', 'EKONT', 'UMSAT', 'UMJAH', 'UWAER', 'JMZAH', 'JMJAH',
    'KATR1', 'KATR2', 'KATR3', 'KATR4', 'KATR5', 'KATR6', 'KATR7', 'KATR8', 'KATR9', 'KATR10', 'STKZN',
    'UMSA1', 'PERIV', 'KTOCD', 'FITYP', 'STCDT', 'STCD3', 'STCD4', 'CASSD', 'KDKG1', 'KDKG2', 'KDKG3',
    'KDKG4', 'KDKG5', 'NODEL', 'XSUB2', 'WERKS', 'SPRAS_ISO', 'KDGRP',
  ],
  E1KNVVM: [
    'MSGFN', 'VKORG', 'VTWEG', 'SPART', 'BEGRU', 'LOEVM', 'VERSG', 'AUFSD', 'KALKS', 'KDGRP', 'BZIRK',
    'KONDA', 'PLTYP', 'AWAHR', 'INCO1', 'INCO2', 'LIFSD', 'AUTLF', 'ANTLF', 'KZTLF', 'KZAZU', 'CHSPL',
    'LPRIO', 'EIKTO', 'VSBED', 'FAKSD', 'MRNKZ', 'PERFK', 'PERRL', 'WAERS', 'KTGRD', 'ZTERM', 'VWERK',
    'VKGRP', 'VKBUR', 'VSORT', 'KVGR1', 'KVGR2', 'KVGR3', 'KVGR4', 'KVGR5', 'BOKRE', 'KURST', 'PRFRE',
    'KLABC', 'KABSS', 'KKBER', 'CASSD', 'RDOFF', 'AGREL', 'MEGRU', 'UEBTO', 'UNTTO', 'UEBTK', 'PVKSM',
    'PODKZ', 'PODTG', 'BLIND',
  ],
  E1KNB1M: [
    'MSGFN', 'BUKRS', 'SPERR', 'LOEVM', 'ZUAWA', 'BUSAB', 'AKONT', 'BEGRU', 'KNRZE', 'KNRZB', 'ZAMIM',
    'ZAMIV', 'ZAMIR', 'ZAMIB', 'ZAMIO', 'ZWELS', 'XVERR', 'ZAHLS', 'ZTERM', 'WAKON', 'VZSKZ', 'ZINDT',
    'ZINRT', 'EIKTO', 'ZSABE', 'KVERM', 'FDGRV', 'VRBKZ', 'VLIBB', 'VRSZL', 'VRSPR', 'VRSNR', 'VERDT',
    'PERNR', 'XDEZV', 'XAUSZ', 'WEBTR', 'REMIT', 'DATLZ', 'XZVER', 'TOGRU', 'KULTG', 'HBKID', 'XPORE',
    'BLNKZ', 'ALTKN', 'ZGRUP', 'URLID', 'MGRUP', 'LOCKB', 'UZAWE', 'EKVBD', 'SREGL', 'XEDIP', 'FRGRP',
    'VRSDG', 'TLFXS', 'INTAD', 'GUZTE', 'GRICD', 'GRIDT', 'WBRSL', 'NODEL', 'TLFNS', 'CESSION_KZ',
  ],
  E1KNVKM: [
    'MSGFN', 'PARNR', 'KUNNR', 'NAMEV', 'NAME1', 'ORT01', 'ADRND', 'ADRNP', 'ABTPA', 'ABTNR', 'UEPAR',
    'TELF1', 'ANRED', 'PAFKT', 'PARVO', 'PAVIP', 'PARGE', 'PARLA', 'GBDAT', 'VRTNR', 'BRYTH', 'AKVER',
    'NMAIL', 'PARAU', 'PARH1', 'PARH2', 'PARH3', 'PARH4', 'PARH5', 'MOAB1', 'MOBI1', 'MOAB2', 'MOBI2',
    'DIAB1', 'DIBI1', 'DIAB2', 'DIBI2', 'MIAB1', 'MIBI1', 'MIAB2', 'MIBI2', 'DOAB1', 'DOBI1', 'DOAB2',
    'DOBI2', 'FRAB1', 'FRBI1', 'FRAB2', 'FRBI2', 'SAAB1', 'SABI1', 'SAAB2', 'SABI2', 'SOAB1', 'SOBI1',
    'SOAB2', 'SOBI2', 'PAKN1', 'PAKN2', 'PAKN3', 'PAKN4', 'PAKN5', 'SORTL', 'FAMST', 'SPNAM', 'TITEL_AP',
  ],
}; // prettier-ignore

/** Child segment order under each parent; the IDOC element itself is the parent of the top level. */
export const CHILD_SEGMENTS: Readonly<Record<string, readonly string[]>> = {
  IDOC: ['E1KNA1M'],
  E1KNA1M: ['E1KNA1H', 'E1KNA1L', 'E1KNA11', 'E1KNVVM', 'E1KNB1M', 'E1KNBKM', 'E1KNVAM', 'E1KNVKM', 'E1KNEXM', 'E1KNASM', 'E1KNKAM'],
  E1KNVVM: ['E1KNVPM', 'E1KNVDM', 'E1KNVIM', 'E1KNVLM', 'E1KNVVH'],
  E1KNB1M: ['E1KNB5M', 'E1KNBWM', 'E1KNB1H'],
}; // prettier-ignore

/**
 * Segment definition names (type name with E2 and a release version) as DEBMAS07 carries them on
 * an ECC 6.0 system. Writers may pass their own table when the partner system is on another release.
 */
export const DEFINITION_NAMES: Readonly<Record<string, string>> = {
  E1KNA1M: 'E2KNA1M005',
  E1KNA11: 'E2KNA11002',
  E1KNVVM: 'E2KNVVM007',
  E1KNVPM: 'E2KNVPM002',
  E1KNB1M: 'E2KNB1M006',
  E1KNBKM: 'E2KNBKM003',
  E1KNVKM: 'E2KNVKM005',
};
