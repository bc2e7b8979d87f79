// biome-ignore-all lint/correctness/noPrecisionLoss: coefficients keep the published digits (AS 241, Cody) for auditability.
/**
 * The standard normal distribution: Φ⁻¹ by Wichura's algorithm AS 241 (PPND16, relative
 * accuracy about 1e-16) and Φ by Cody's rational Chebyshev approximations (full double
 * precision, relative accuracy in the far tails).
 * Both are plain arithmetic on IEEE doubles, so they give the same bits on every machine that
 * runs V8 (its Math.log/exp/sqrt are correctly specified ports of fdlibm).
 */

/**
 * Φ⁻¹(p): the standard normal quantile, AS 241 (Wichura, Applied Statistics 37(3), 1988).
 * Returns -Infinity for p = 0, +Infinity for p = 1 and NaN outside [0, 1].
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    // Central region, 0.075 <= p <= 0.925: a rational function of r = 0.180625 - q².
    const r = 0.180625 - q * q;
    let num = 2509.0809287301226727;
    num = num * r + 33430.575583588128105;
    num = num * r + 67265.770927008700853;
    num = num * r + 45921.953931549871457;
    num = num * r + 13731.693765509461125;
    num = num * r + 1971.5909503065514427;
    num = num * r + 133.14166789178437745;
    num = num * r + 3.387132872796366608;
    let den = 5226.495278852854561;
    den = den * r + 28729.085735721942674;
    den = den * r + 39307.89580009271061;
    den = den * r + 21213.794301586595867;
    den = den * r + 5394.1960214247511077;
    den = den * r + 687.1870074920579083;
    den = den * r + 42.313330701600911252;
    den = den * r + 1;
    return (q * num) / den;
  }
  // Tails: a rational function of r = sqrt(-log(min(p, 1 - p))).
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let num: number;
  let den: number;
  if (r <= 5) {
    r -= 1.6;
    num = 7.7454501427834140764e-4;
    num = num * r + 0.0227238449892691845833;
    num = num * r + 0.24178072517745061177;
    num = num * r + 1.27045825245236838258;
    num = num * r + 3.64784832476320460504;
    num = num * r + 5.7694972214606914055;
    num = num * r + 4.6303378461565452959;
    num = num * r + 1.42343711074968357734;
    den = 1.05075007164441684324e-9;
    den = den * r + 5.475938084995344946e-4;
    den = den * r + 0.0151986665636164571966;
    den = den * r + 0.14810397642748007459;
    den = den * r + 0.68976733498510000455;
    den = den * r + 1.6763848301838038494;
    den = den * r + 2.05319162663775882187;
    den = den * r + 1;
  } else {
    r -= 5;
    num = 2.01033439929228813265e-7;
    num = num * r + 2.71155556874348757815e-5;
    num = num * r + 0.0012426609473880784386;
    num = num * r + 0.026532189526576123093;
    num = num * r + 0.29656057182850489123;
    num = num * r + 1.7848265399172913358;
    num = num * r + 5.4637849111641143699;
    num = num * r + 6.6579046435011037772;
    den = 2.04426310338993978564e-15;
    den = den * r + 1.4215117583164458887e-7;
    den = den * r + 1.8463183175100546818e-5;
    den = den * r + 7.868691311456132591e-4;
    den = den * r + 0.0148753612908506148525;
    den = den * r + 0.13692988092273580531;
    den = den * r + 0.59983220655588793769;
    den = den * r + 1;
  }
  const value = num / den;
  return q < 0 ? -value : value;
}

const SQRT_2PI = 2.5066282746310002;
const INV_SQRT_2PI = 0.3989422804014327;

/** exp(-x²/2) without the cancellation error of squaring a large x in one step (Cody). */
function halfGaussian(x: number): number {
  const head = Math.trunc(x * 16) / 16;
  const del = (x - head) * (x + head);
  return Math.exp(-head * head * 0.5) * Math.exp(-del * 0.5);
}

/**
 * Φ(x): the standard normal CDF, by W. J. Cody's rational Chebyshev approximations
 * ("Rational Chebyshev approximations for the error function", Math. Comp. 23, 1969; the
 * form R's pnorm uses): full double precision, relative accuracy in the far lower tail too.
 * Returns exactly 0 below -37.52 and 1 above 8.57.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  if (y <= 0.66291) {
    const xsq = x * x;
    let num = 0.065682337918207449113 * xsq;
    let den = xsq;
    num = (num + 2.2352520354606839287) * xsq;
    den = (den + 47.20258190468824187) * xsq;
    num = (num + 161.02823106855587881) * xsq;
    den = (den + 976.09855173777669322) * xsq;
    num = (num + 1067.6894854603709582) * xsq;
    den = (den + 10260.932208618978205) * xsq;
    return 0.5 + (x * (num + 18154.981253343561249)) / (den + 45507.789335026729956);
  }
  let lower: number;
  if (y <= 5.656854249492381) {
    let num = 1.0765576773720192317e-8 * y;
    let den = y;
    num = (num + 0.39894151208813466764) * y;
    den = (den + 22.266688044328115691) * y;
    num = (num + 8.8831497943883759412) * y;
    den = (den + 235.38790178262499861) * y;
    num = (num + 93.506656132177855979) * y;
    den = (den + 1519.377599407554805) * y;
    num = (num + 597.27027639480026226) * y;
    den = (den + 6485.558298266760755) * y;
    num = (num + 2494.5375852903726711) * y;
    den = (den + 18615.571640885098091) * y;
    num = (num + 6848.1904505362823326) * y;
    den = (den + 34900.952721145977266) * y;
    num = (num + 11602.651437647350124) * y;
    den = (den + 38912.003286093271411) * y;
    lower = (halfGaussian(y) * (num + 9842.7148383839780218)) / (den + 19685.429676859990727);
  } else if (x < -37.519 || x > 8.572) {
    return x < 0 ? 0 : 1;
  } else {
    const xsq = 1 / (x * x);
    let num = 0.02307344176494017303 * xsq;
    let den = xsq;
    num = (num + 0.21589853405795699) * xsq;
    den = (den + 1.28426009614491121) * xsq;
    num = (num + 0.1274011611602473639) * xsq;
    den = (den + 0.468238212480865118) * xsq;
    num = (num + 0.022235277870649807) * xsq;
    den = (den + 0.0659881378689285515) * xsq;
    num = (num + 0.001421619193227893466) * xsq;
    den = (den + 0.00378239633202758244) * xsq;
    const ratio = (xsq * (num + 2.9112874951168792e-5)) / (den + 7.29751555083966205e-5);
    lower = (halfGaussian(y) * (INV_SQRT_2PI - ratio)) / y;
  }
  return x > 0 ? 1 - lower : lower;
}

/** The standard normal density φ(x). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_2PI;
}
