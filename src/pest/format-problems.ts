// Problems found in one file, collected so a check can report all of them at once. Only the
// first few are kept; the rest are counted, so a file with a million bad lines costs a count,
// not a million messages.
import { PestFormatError } from "../errors.ts";

/** How many problems of one file are kept to be shown; the others are counted. */
export const PROBLEMS_SHOWN_PER_FILE = 10;

export class FormatProblems {
  readonly file: string;
  readonly kept: PestFormatError[] = [];
  /** Problems found beyond those kept. */
  more = 0;
  readonly #limit: number;

  constructor(file: string, limit: number = PROBLEMS_SHOWN_PER_FILE) {
    this.file = file;
    this.#limit = limit;
  }

  add(problem: PestFormatError): void {
    if (this.kept.length < this.#limit) this.kept.push(problem);
    else this.more++;
  }

  /** A problem at `line` of this file. */
  at(line: number | undefined, detail: string): void {
    if (this.kept.length < this.#limit) this.kept.push(new PestFormatError(this.file, line, detail));
    else this.more++;
  }

  get count(): number {
    return this.kept.length + this.more;
  }
}

/** "and 3 more problems in this file": the line that stands for the problems not shown. */
export function moreProblems(count: number, where = "in this file"): string {
  return `and ${count} more problem${count === 1 ? "" : "s"}${where ? ` ${where}` : ""}`;
}

/** Records `problem` when collecting, or throws it when there is nowhere to record it. */
export function reportOrThrow(problems: FormatProblems | undefined, problem: PestFormatError): void {
  if (problems === undefined) throw problem;
  problems.add(problem);
}
