// Fargate prices per region: the dated table shipped in the repository (fargate-prices.json),
// and the files that override it (a repository's prices file, a project's own). Every estimate
// names the table's date and source, so a reader knows how old the figures are.
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { UserError } from "../errors.ts";
import shipped from "./fargate-prices.json" with { type: "json" };

const rate = z.strictObject({
  vcpuHour: z.number().nonnegative().describe("Price of one vCPU for one hour."),
  gbHour: z.number().nonnegative().describe("Price of one GB of memory for one hour."),
});

const regionPrices = z.strictObject({
  onDemand: rate,
  spot: rate.optional(),
  storageGbHour: z
    .number()
    .nonnegative()
    .default(0)
    .describe("Ephemeral storage beyond the 20 GB every task has, per GB-hour."),
});

export const priceTableSchema = z.strictObject({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: "a date such as 2026-03-10" }),
  source: z.string().min(1),
  currency: z.string().min(1).default("USD"),
  note: z.string().optional(),
  regions: z.record(z.string(), regionPrices),
});

export type PriceTable = z.output<typeof priceTableSchema>;
export type RegionPrices = PriceTable["regions"][string];

/** Where the prices of one region came from: the table's date and source, or an override's. */
export interface PricesUsed extends RegionPrices {
  readonly region: string;
  readonly date: string;
  readonly source: string;
  readonly currency: string;
}

export function shippedPriceTable(): PriceTable {
  return priceTableSchema.parse(shipped);
}

/** A prices file's text, checked; problems name the file and the key. */
export function parsePriceTable(text: string, file: string): PriceTable {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(
      `${file}: not JSON (${(e as Error).message}); a prices file is JSON like src/cost/fargate-prices.json`,
    );
  }
  const parsed = priceTableSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join(".") || "(the file)";
    throw new UserError(
      `${file}: \`${key}\`: ${issue.message}; a prices file has date, source and regions.<region>.onDemand.{vcpuHour,gbHour} like src/cost/fargate-prices.json`,
    );
  }
  return parsed.data;
}

export async function readPriceTable(file: string): Promise<PriceTable> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new UserError(`cannot read the prices file ${file}: ${(e as Error).message}`);
  }
  return parsePriceTable(text, file);
}

/** The prices of `region`, the later tables overriding the earlier ones region by region
 * (an override need only name the regions it changes). */
export function pricesFor(region: string, tables: readonly PriceTable[]): PricesUsed | undefined {
  for (const table of [...tables].reverse()) {
    const prices = table.regions[region];
    if (prices)
      return { ...prices, region, date: table.date, source: table.source, currency: table.currency };
  }
  return undefined;
}

/** The file in a project's folder (projects/<project>/) that overrides the other tables. */
export const PROJECT_PRICES_FILE = "fargate-prices.json";

/** The tables an estimate uses, later ones overriding: the shipped table, the repository's
 * prices file when one is named, and the project's own when its folder has one. */
export async function priceTablesFor(args: {
  readonly file?: string | undefined;
  readonly projectDir: string;
}): Promise<PriceTable[]> {
  const tables = [shippedPriceTable()];
  if (args.file) tables.push(await readPriceTable(args.file));
  const own = join(args.projectDir, PROJECT_PRICES_FILE);
  const present = await access(own).then(
    () => true,
    () => false,
  );
  if (present) tables.push(await readPriceTable(own));
  return tables;
}
