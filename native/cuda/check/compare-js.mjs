// Compares host_check.cu's output with the js backend's element functions (see host_check.cu).
import { readFileSync } from "node:fs";
import { URL } from "node:url";
const { UNARY, UNARY_GRAD, BINARY } = await import(new URL("../../../dist/src/backends/js/elementwise.js", import.meta.url).href);
const d = JSON.parse(readFileSync(process.argv[2] ?? "/tmp/host_check.json", "utf8"));
const fix = (v) => (v === null ? NaN : v);
const xs = d.xs.map(fix);
const U = ["neg","abs","sign","exp","expm1","log","log1p","sqrt","rsqrt","square","reciprocal","sin","cos","tanh","sigmoid","relu","leakyRelu","elu","gelu","geluTanh","silu","softplus","erf","floor","ceil","round","trunc","clamp","powScalar","logicalNot","isnan","isinf"];
const B = ["add","sub","mul","div","pow","maximum","minimum","atan2","remainder","eq","ne","lt","le","gt","ge","logicalAnd","logicalOr","logicalXor"];
const p = { alpha: 0.2, min: -1, max: 0.5, exponent: 2.5 };
const f32 = Math.fround;
let bad = 0;
function cmp(what, got, want, rtol = 1e-5, atol = 1e-6) {
  got = fix(got); want = f32(want);
  if (Number.isNaN(got) && Number.isNaN(want)) return;
  if (got === want) return;
  if (Math.abs(got - want) <= atol + rtol * Math.abs(want)) return;
  bad++; console.log(`${what}: got ${got} want ${want}`);
}
U.forEach((op, k) => xs.forEach((x, i) => cmp(`unary ${op}(${x})`, d.unary[k][i], UNARY[op](x, p))));
U.forEach((op, k) => xs.forEach((x, i) => { const y = f32(UNARY[op](x, p)); cmp(`grad ${op}(${x})`, d.grad[k][i], UNARY_GRAD[op](x, y, p), 2e-5, 2e-6); }));
B.forEach((op, k) => xs.forEach((x, i) => { const b = xs[(i * 7 + 3) % xs.length]; cmp(`binary ${op}(${x},${b})`, d.binary[k][i], BINARY[op](x, b)); }));
B.forEach((op, k) => xs.forEach((x, i) => cmp(`scalar ${op}(0.3,${x})`, d.scalar[k][i], BINARY[op](0.3, x), 0, 0)));
const tv = [2.7, -2.7, 3e9, -3e9, 1e20, NaN, Infinity, -0.5, 2147483647.9, -2147483648.5];
const want = Int32Array.from(tv);
tv.forEach((v, i) => { if (d.toI32[i] !== want[i]) { bad++; console.log(`toI32(${v}) got ${d.toI32[i]} want ${want[i]}`); } });
console.log(`mismatches: ${bad}`);
process.exit(bad ? 1 : 0);
