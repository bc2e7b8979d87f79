/**
 * A straightforward reference for the example's results, written from the task's definition:
 * split the CSV text into lines and fields, keep TMAX rows with no quality flag, take the largest
 * value per station and month (earliest day on ties), then per month across stations (highest,
 * then earliest day, then smallest station id). No streaming, no validation, no cleverness.
 */
import { type DatasetPlan, objectBody } from '../src/dataset.ts';

export interface ReferenceMonth {
  month: string;
  tmax: number;
  station: string;
  date: string;
  stations: number;
}

/** Per month of one CSV text: [tmax, date]. */
export function referenceStationMonths(csv: string): Map<string, { tmax: number; date: string }> {
  const months = new Map<string, { tmax: number; date: string }>();
  for (const line of csv.split('\n').slice(1)) {
    if (line === '') continue;
    const [, date, element, value, , qFlag] = line.split(',');
    if (element !== 'TMAX' || qFlag !== '') continue;
    const month = `${date!.slice(0, 4)}-${date!.slice(4, 6)}`;
    const v = Number(value);
    const best = months.get(month);
    if (!best || v > best.tmax || (v === best.tmax && date! < best.date))
      months.set(month, { tmax: v, date: date! });
  }
  return months;
}

/** The per-month maxima over the valid objects of a plan (`skip`: keys left out, e.g. failed on purpose). */
export function referenceMonthlyMaxima(
  plan: DatasetPlan,
  skip: ReadonlySet<string> = new Set(),
): ReferenceMonth[] {
  const out = new Map<string, ReferenceMonth>();
  for (const object of plan.objects) {
    if (object.fate !== 'valid' || skip.has(object.key)) continue;
    const csv = new TextDecoder().decode(objectBody(plan, object));
    const station = object.station.id;
    for (const [month, { tmax, date }] of referenceStationMonths(csv)) {
      const best = out.get(month);
      if (!best) {
        out.set(month, { month, tmax, station, date, stations: 1 });
        continue;
      }
      best.stations++;
      const wins =
        tmax > best.tmax ||
        (tmax === best.tmax && (date < best.date || (date === best.date && station < best.station)));
      if (wins) Object.assign(best, { tmax, station, date });
    }
  }
  return [...out.values()].sort((a, b) => (a.month < b.month ? -1 : 1));
}
