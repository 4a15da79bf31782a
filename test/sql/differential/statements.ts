/**
 * Statement shapes for the differential test: projections, aggregates, joins, subqueries, set
 * operations, CTEs and window functions, each built from expression trees (the parts a shrinker
 * may simplify) and rendered for Spark and for DuckDB (see generator.ts for the translations).
 */
import { type Category, ExprGen, type Node, Rng, type ScopeColumn, T1_COLUMNS, T2_COLUMNS, leaf } from './generator.js';

export interface Statement {
  readonly shape: string;
  readonly parts: readonly Node[];
  readonly render: (parts: readonly Node[]) => { spark: string; duck: string };
}

const cols = (alias: string | null, table: readonly { name: string; cat: Category }[]): ScopeColumn[] =>
  table.map((c) => ({ spark: alias === null ? c.name : `${alias}.${c.name}`, duck: alias === null ? c.name : `${alias}.${c.name}`, cat: c.cat }));

/** ORDER BY every output position: Spark's default null order, written out for DuckDB. */
function orderAll(rng: Rng, n: number): { spark: string; duck: string } {
  const items = Array.from({ length: n }, (_, i) => {
    const desc = rng.chance(0.3);
    return { spark: `${i + 1}${desc ? ' DESC' : rng.chance(0.3) ? ' ASC' : ''}`, duck: `${i + 1} ${desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}` };
  });
  return { spark: items.map((i) => i.spark).join(', '), duck: items.map((i) => i.duck).join(', ') };
}

const CATS: readonly Category[] = ['int', 'double', 'string', 'bool'];

function projection(rng: Rng): Statement {
  const g = new ExprGen(rng, cols(null, T1_COLUMNS));
  const n = rng.int(1, 3);
  const parts = Array.from({ length: n }, () => g.expr(rng.pick(CATS), rng.int(1, 3)));
  const where = rng.chance(0.6) ? [g.boolExpr(rng.int(1, 3))] : [];
  const order = orderAll(rng, n);
  return {
    shape: 'projection',
    parts: [...parts, ...where],
    render: (p) => {
      const items = p.slice(0, n);
      const w = p[n];
      return {
        spark: `SELECT ${items.map((e, i) => `${e.spark(0)} AS c${i + 1}`).join(', ')} FROM t1${w === undefined ? '' : ` WHERE ${w.spark(0)}`} ORDER BY ${order.spark}`,
        duck: `SELECT ${items.map((e, i) => `${e.duck} AS c${i + 1}`).join(', ')} FROM t1${w === undefined ? '' : ` WHERE ${w.duck}`} ORDER BY ${order.duck}`,
      };
    },
  };
}

function aggregation(rng: Rng): Statement {
  const g = new ExprGen(rng, cols(null, T1_COLUMNS));
  const grouped = rng.chance(0.8);
  let key = g.expr(rng.pick(['int', 'string', 'bool'] as const), rng.int(0, 1));
  while (!key.refs) key = g.expr(rng.pick(['int', 'string', 'bool'] as const), rng.int(0, 1));
  const aggs = Array.from({ length: rng.int(1, 3) }, () => g.aggregate(rng.pick(['int', 'double', 'string'] as const), rng.int(0, 2)));
  const where = g.boolExpr(rng.int(0, 2));
  const useWhere = rng.chance(0.5);
  const having = grouped && rng.chance(0.3) ? g.aggregate('int', 0) : null;
  const n = aggs.length + (grouped ? 1 : 0);
  const order = orderAll(rng, n);
  const parts = [key, ...aggs, where, ...(having === null ? [] : [having])];
  return {
    shape: 'aggregate',
    parts,
    render: (p) => {
      const [k, ...rest] = p as [Node, ...Node[]];
      const as = rest.slice(0, aggs.length);
      const w = rest[aggs.length] as Node;
      const h = having === null ? null : (rest[aggs.length + 1] as Node);
      const select = (side: 'spark' | 'duck'): string => {
        const text = (e: Node): string => (side === 'spark' ? e.spark(0) : e.duck);
        const items = [...(grouped ? [`${text(k)} AS k`] : []), ...as.map((a, i) => `${text(a)} AS v${i + 1}`)];
        return (
          `SELECT ${items.join(', ')} FROM t1${useWhere ? ` WHERE ${text(w)}` : ''}` +
          (grouped ? ` GROUP BY ${text(k)}` : '') +
          (h === null ? '' : ` HAVING ${text(h)} > 1`) +
          ` ORDER BY ${side === 'spark' ? order.spark : order.duck}`
        );
      };
      return { spark: select('spark'), duck: select('duck') };
    },
  };
}

function join(rng: Rng): Statement {
  const type = rng.pick(['JOIN', 'INNER JOIN', 'LEFT JOIN', 'LEFT OUTER JOIN', 'RIGHT JOIN', 'FULL OUTER JOIN', 'FULL JOIN', 'CROSS JOIN', 'USING']);
  const scope = [...cols('x', T1_COLUMNS), ...cols('y', T2_COLUMNS)];
  const g = new ExprGen(rng, scope);
  const value = g.expr(rng.pick(CATS), rng.int(0, 2));
  const extra = rng.chance(0.3) ? [g.boolExpr(1)] : [];
  const where = rng.chance(0.3) ? [g.boolExpr(1)] : [];
  const on = rng.pick(['x.a = y.a', 'x.s = y.s', 'x.a = y.id']);
  const order = orderAll(rng, 3);
  return {
    shape: `join ${type}`,
    parts: [value, ...extra, ...where],
    render: (p) => {
      const v = p[0] as Node;
      const e = extra.length > 0 ? (p[1] as Node) : null;
      const w = where.length > 0 ? (p[1 + extra.length] as Node) : null;
      const make = (side: 'spark' | 'duck'): string => {
        const text = (n: Node, level = 0): string => (side === 'spark' ? n.spark(level) : n.duck);
        let from: string;
        if (type === 'CROSS JOIN') from = 't1 x CROSS JOIN t2 y';
        else if (type === 'USING') from = 't1 x FULL OUTER JOIN t2 y USING (a)';
        else from = `t1 x ${type} t2 y ON ${on}${e === null ? '' : ` AND ${text(e, 3)}`}`;
        return `SELECT x.id AS i, y.id AS j, ${text(v)} AS v FROM ${from}${w === null ? '' : ` WHERE ${text(w)}`} ORDER BY ${side === 'spark' ? order.spark : order.duck}`;
      };
      return { spark: make('spark'), duck: make('duck') };
    },
  };
}

function subquery(rng: Rng): Statement {
  const kind = rng.pick(['from', 'in', 'exists', 'scalar', 'cte']);
  const g1 = new ExprGen(rng, cols(null, T1_COLUMNS));
  const g2 = new ExprGen(rng, cols(null, T2_COLUMNS));
  const inner = g2.boolExpr(rng.int(0, 2));
  const outer = g1.expr(rng.pick(['int', 'string', 'double'] as const), rng.int(0, 2));
  const neg = rng.chance(0.4) ? 'NOT ' : '';
  return {
    shape: `subquery ${kind}`,
    parts: [inner, outer],
    render: (p) => {
      const [w2, v] = p as [Node, Node];
      const make = (side: 'spark' | 'duck'): string => {
        const text = (n: Node): string => (side === 'spark' ? n.spark(0) : n.duck);
        const asc = side === 'spark' ? '' : ' ASC NULLS FIRST';
        switch (kind) {
          case 'from':
            return `SELECT q.v AS v, count(*) AS n FROM (SELECT ${text(v)} AS v, id FROM t1) q WHERE q.id > 1 GROUP BY q.v ORDER BY 1${asc}, 2${asc}`;
          case 'in':
            return `SELECT id FROM t1 WHERE a ${neg}IN (SELECT a FROM t2 WHERE ${text(w2)}) ORDER BY 1${asc}`;
          case 'exists':
            return `SELECT id, ${text(v)} AS v FROM t1 WHERE ${neg}EXISTS (SELECT 1 FROM t2 WHERE ${text(w2)}) ORDER BY 1${asc}, 2${asc}`;
          case 'scalar':
            return `SELECT id, (SELECT max(a) FROM t2 WHERE ${text(w2)}) AS m FROM t1 ORDER BY 1${asc}`;
          default:
            return `WITH q AS (SELECT ${text(v)} AS v FROM t1), r AS (SELECT v FROM q WHERE v IS NOT NULL) SELECT v, count(*) AS n FROM r GROUP BY v ORDER BY 1${asc}, 2${asc}`;
        }
      };
      return { spark: make('spark'), duck: make('duck') };
    },
  };
}

function setOperation(rng: Rng): Statement {
  const op = rng.pick(['UNION', 'UNION ALL', 'EXCEPT', 'INTERSECT', 'EXCEPT ALL', 'INTERSECT ALL']);
  const cat = rng.pick(['int', 'string', 'double'] as const);
  const g1 = new ExprGen(rng, cols(null, T1_COLUMNS));
  const g2 = new ExprGen(rng, cols(null, T2_COLUMNS));
  const a = g1.expr(cat, rng.int(0, 2));
  const b = g2.expr(cat, rng.int(0, 2));
  const desc = rng.chance(0.3);
  return {
    shape: `set ${op}`,
    parts: [a, b],
    render: (p) => {
      const [x, y] = p as [Node, Node];
      return {
        spark: `SELECT ${x.spark(0)} AS v FROM t1 ${op} SELECT ${y.spark(0)} FROM t2 ORDER BY 1${desc ? ' DESC' : ''}`,
        duck: `SELECT ${x.duck} AS v FROM t1 ${op} SELECT ${y.duck} FROM t2 ORDER BY 1 ${desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`,
      };
    },
  };
}

function windowFunction(rng: Rng): Statement {
  const g = new ExprGen(rng, cols(null, T1_COLUMNS));
  const fn = rng.pick(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'sum', 'count', 'min', 'max', 'avg', 'first_value', 'last_value']);
  const partition = rng.pick(['', 'a', 's', 'f']);
  const key = g.expr(rng.pick(['int', 'double', 'string'] as const), rng.int(0, 1));
  const argCat = fn === 'sum' || fn === 'avg' ? rng.pick(['int', 'double'] as const) : rng.pick(['int', 'double', 'string'] as const);
  const value = g.expr(argCat, rng.int(0, 1));
  const ties = fn === 'rank' || fn === 'dense_rank' || fn === 'percent_rank' || fn === 'cume_dist';
  const frames = [
    { spark: '', duck: '', needsId: false, byId: false },
    { spark: ' ROWS BETWEEN 1 PRECEDING AND CURRENT ROW', duck: ' ROWS BETWEEN 1 PRECEDING AND CURRENT ROW', needsId: true, byId: false },
    { spark: ' ROWS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING', duck: ' ROWS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING', needsId: true, byId: false },
    { spark: ' ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING', duck: ' ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING', needsId: true, byId: false },
    { spark: ' ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING', duck: ' ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING', needsId: true, byId: false },
    { spark: ' RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW', duck: ' RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW', needsId: false, byId: false },
    { spark: ' RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING', duck: ' RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING', needsId: false, byId: true },
    { spark: ' ROWS UNBOUNDED PRECEDING', duck: ' ROWS UNBOUNDED PRECEDING', needsId: true, byId: false },
  ];
  const framed = ['sum', 'count', 'min', 'max', 'avg', 'first_value', 'last_value'].includes(fn);
  const frame = framed ? rng.pick(frames) : (frames[0] as (typeof frames)[number]);
  const noOrder = framed && frame.spark === '' && rng.chance(0.3) && fn !== 'first_value' && fn !== 'last_value';
  const offset = rng.int(1, 2);
  const dflt = leaf('int', '0', '0');
  const withDefault = argCat === 'int' && rng.chance(0.5);
  const countStar = fn === 'count' && rng.chance(0.3);
  return {
    shape: `window ${fn}`,
    parts: [key, value],
    render: (p) => {
      const [k, v] = p as [Node, Node];
      const make = (side: 'spark' | 'duck'): string => {
        const text = (n: Node): string => (side === 'spark' ? n.spark(0) : n.duck);
        const nulls = side === 'spark' ? '' : ' NULLS FIRST';
        let order: string;
        if (noOrder) order = '';
        else if (frame.byId) order = ` ORDER BY id${nulls}`;
        else order = ` ORDER BY ${text(k)}${nulls}${ties && !frame.needsId ? '' : `, id${nulls}`}`;
        const part = partition === '' ? '' : `PARTITION BY ${partition}`;
        let call: string;
        if (fn === 'ntile') call = 'ntile(3)';
        else if (fn === 'lag' || fn === 'lead') call = withDefault ? `${fn}(${text(v)}, ${offset}, ${text(dflt)})` : `${fn}(${text(v)}, ${offset})`;
        else if (framed) call = countStar ? 'count(*)' : `${fn}(${text(v)})`;
        else call = `${fn}()`;
        return `SELECT id, ${call} OVER (${part}${order}${frame.spark === '' ? '' : side === 'spark' ? frame.spark : frame.duck}) AS w FROM t1 ORDER BY 1${side === 'spark' ? '' : ' ASC NULLS FIRST'}`;
      };
      return { spark: make('spark'), duck: make('duck') };
    },
  };
}

/** A random statement of a random shape. */
export function randomStatement(rng: Rng): Statement {
  const shapes = [projection, projection, aggregation, aggregation, join, subquery, setOperation, windowFunction, windowFunction];
  return rng.pick(shapes)(rng);
}

export { T1_COLUMNS, T2_COLUMNS };
