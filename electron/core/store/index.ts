export { openStore, migrate, STORE_FILE, type Store, type Db, type StoreOptions } from './connection';
export { migrations, type Migration } from './migrations';
export { parseJsonColumn } from './json';
