export { type Database, type ListenOptions, type Queryable, SqlState, sqlStateOf } from './database.ts';
export { openDatabase, type OpenDatabaseOptions } from './open.ts';
export { migrate, loadMigrations, type Migration } from './migrate.ts';
export { restrictToOwner } from './permissions.ts';
