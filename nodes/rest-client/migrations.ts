import { FIRST_VERSION, type Migration } from '../shared/migrate';

export const migrations: Migration[] = [FIRST_VERSION];
