import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  parsePriceTable,
  pricesFor,
  priceTablesFor,
  readPriceTable,
  shippedPriceTable,
} from "./price-table.ts";

describe("price tables", () => {
  it("ships a dated table with its source and the default region", () => {
    const t = shippedPriceTable();
    expect(t.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(t.source).toMatch(/^https:\/\/aws\.amazon\.com\/fargate\/pricing/);
    expect(t.regions["us-east-1"]?.onDemand.vcpuHour).toBeGreaterThan(0);
  });

  it("lets a later table override a region, and keeps the other regions", () => {
    const override = parsePriceTable(
      JSON.stringify({
        date: "2026-09-01",
        source: "negotiated rates, contract 17",
        regions: { "us-east-1": { onDemand: { vcpuHour: 0.03, gbHour: 0.003 } } },
      }),
      "prices.json",
    );
    const tables = [shippedPriceTable(), override];
    expect(pricesFor("us-east-1", tables)).toMatchObject({
      date: "2026-09-01",
      source: "negotiated rates, contract 17",
      onDemand: { vcpuHour: 0.03 },
      storageGbHour: 0,
    });
    expect(pricesFor("eu-west-1", tables)?.date).toBe(shippedPriceTable().date);
    expect(pricesFor("sa-east-1", tables)).toBeUndefined();
  });

  it("names the file and the key of a bad price", () => {
    expect(() =>
      parsePriceTable(
        JSON.stringify({
          date: "2026-09-01",
          source: "x",
          regions: { "us-east-1": { onDemand: { vcpuHour: -1, gbHour: 0 } } },
        }),
        "projects/acme/fargate-prices.json",
      ),
    ).toThrow(
      /^projects\/acme\/fargate-prices\.json: `regions\.us-east-1\.onDemand\.vcpuHour`: .*like src\/cost\/fargate-prices\.json$/,
    );
  });

  it("says a prices file that is not JSON is not JSON", async () => {
    const dir = await mkdtemp(join(tmpdir(), "prices-"));
    await writeFile(join(dir, "p.json"), "date: 2026");
    await expect(readPriceTable(join(dir, "p.json"))).rejects.toThrow(/p\.json: not JSON/);
    await expect(readPriceTable(join(dir, "missing.json"))).rejects.toThrow(
      /cannot read the prices file .*missing\.json/,
    );
  });

  it("takes the repository's prices file over the shipped table, and the project's own over both", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mf-prices-"));
    const table = (date: string, vcpuHour: number) =>
      JSON.stringify({
        date,
        source: "test",
        regions: { "us-east-1": { onDemand: { vcpuHour, gbHour: 0 } } },
      });
    await writeFile(join(dir, "repository.json"), table("2026-04-01", 0.1));
    const repository = await priceTablesFor({ file: join(dir, "repository.json"), projectDir: dir });
    expect(pricesFor("us-east-1", repository)?.date).toBe("2026-04-01");
    await writeFile(join(dir, "fargate-prices.json"), table("2026-05-01", 0.2));
    const own = await priceTablesFor({ file: join(dir, "repository.json"), projectDir: dir });
    expect(pricesFor("us-east-1", own)).toMatchObject({ date: "2026-05-01", onDemand: { vcpuHour: 0.2 } });
    expect(pricesFor("eu-west-1", own)?.date).toBe(shippedPriceTable().date);
    await expect(priceTablesFor({ file: join(dir, "missing.json"), projectDir: dir })).rejects.toThrow(
      `cannot read the prices file ${join(dir, "missing.json")}`,
    );
  });
});
