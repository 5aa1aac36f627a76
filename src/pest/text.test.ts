import { describe, expect, it } from "vitest";
import { byteString, decodeUtf8, indexOfText, NotUtf8Error, readableText } from "./text.ts";

describe("byteString", () => {
  it("holds one character per byte and drops a UTF-8 byte-order mark", () => {
    const s = byteString(Buffer.from([0xef, 0xbb, 0xbf, 0x54, 0xe9, 0xb0, 0x0a]));
    expect(s).toBe("T\xe9\xb0\n");
    expect(byteString("Tü")).toBe("T\xc3\xbc");
  });
});

describe("readableText", () => {
  it("shows UTF-8 runs as text and other bytes as Latin-1", () => {
    expect(readableText("H\xc3\xb6he")).toBe("Höhe");
    expect(readableText("Temp\xe9rature \xb0C")).toBe("Température °C");
    expect(readableText("plain … text")).toBe("plain … text");
  });
});

describe("decodeUtf8", () => {
  it("decodes UTF-8 and drops a byte-order mark", () => {
    expect(decodeUtf8(Buffer.from("\uFEFFprojet: é\n", "utf8"), "p.yaml")).toBe("projet: é\n");
  });

  it("refuses a byte that is not UTF-8, naming the file, line and column", () => {
    const bytes = Buffer.concat([
      Buffer.from("project: a\nscenario: caf"),
      Buffer.from([0xe9]),
      Buffer.from("\n"),
    ]);
    let caught: unknown;
    try {
      decodeUtf8(bytes, "p.yaml");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NotUtf8Error);
    const e = caught as NotUtf8Error;
    expect([e.line, e.column]).toEqual([2, 14]);
    expect(e.message).toBe(
      "p.yaml:2: column 14: byte 0xE9 is not valid UTF-8 (the file looks like Latin-1 or Windows-1252); save it as UTF-8 (in most editors: Save with Encoding, UTF-8)",
    );
  });

  it("finds truncated, overlong and surrogate sequences", () => {
    const at = (bytes: number[]) => {
      try {
        decodeUtf8(Buffer.from(bytes), "f");
        return undefined;
      } catch (e) {
        return (e as NotUtf8Error).column;
      }
    };
    expect(at([0x61, 0xc3, 0xa9, 0x62])).toBeUndefined();
    expect(at([0x61, 0xc3])).toBe(2);
    expect(at([0x61, 0xc0, 0xaf])).toBe(2);
    expect(at([0x61, 0x62, 0xe0, 0x80, 0x80])).toBe(3);
    expect(at([0xed, 0xa0, 0x80])).toBe(1);
    expect(at([0x61, 0xf0, 0x9f, 0x98, 0x80, 0xff])).toBe(6);
  });
});

describe("indexOfText", () => {
  it("finds text by its UTF-8 bytes, or by its Latin-1 bytes where Latin-1 can write it", () => {
    expect(indexOfText(byteString("fin: ÉCHEC"), "ÉCHEC")).toBe(5);
    expect(indexOfText("fin: \xc9CHEC", "ÉCHEC")).toBe(5);
    expect(indexOfText("\xc9CHEC puis \xc3\x89CHEC", "ÉCHEC")).toBe(0);
    expect(indexOfText("FAILED", "FAILED")).toBe(0);
    expect(indexOfText("fin", "ÉCHEC")).toBe(-1);
    expect(indexOfText(byteString("Fehler — Abbruch"), "— Abbruch")).toBe(7);
  });
});
