import Database from 'better-sqlite3';
const db = new Database('/tmp/cpr-data/gyeol.sqlite', { readonly: true });
const imp = db.prepare('select imp_uid from payments limit 1 offset 500').get().imp_uid;
const cols = db.prepare('select * from payments limit 1').columns().length;
function t(name, f, n = 50000) { for (let i = 0; i < 2000; i++) f(); const s = process.hrtime.bigint(); for (let i = 0; i < n; i++) f(); console.log(name, (Number(process.hrtime.bigint() - s) / 1e3 / n).toFixed(2), 'us'); }
const all = db.prepare('select * from payments where imp_uid = ? and store_id = ?');
const one = db.prepare('select id from payments where imp_uid = ? and store_id = ?');
const rawAll = db.prepare('select * from payments where imp_uid = ? and store_id = ?').raw(true);
console.log('columns', cols);
t('select * get', () => all.get(imp, 1));
t('select * all', () => all.all([imp, 1]));
t('select * raw', () => rawAll.get(imp, 1));
t('select id', () => one.get(imp, 1));
const row = all.get(imp, 1);
console.log(Object.entries(row).filter(([k,v]) => v !== null).length, 'non-null;', JSON.stringify(row).length, 'bytes');
