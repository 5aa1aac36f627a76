// A model for the work-folder test: first it lists the folder it was started in (every entry,
// its type, permissions, size and content hash) into listing.txt, then it does everything a
// model may do to its folder: appends to an input, deletes one, makes one read-only, replaces
// a file with a folder and a folder with a file, links to an input, and leaves new files and
// folders behind. Finally it writes out.txt. The inode of its folder and the change time of a
// file it leaves alone go to where.txt: the same in a folder used again, new in a fresh copy.
import { createHash } from "node:crypto";
import {
  appendFileSync,
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";

const lines = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = dir === "." ? name : `${dir}/${name}`;
    if (path === ".modelfleet-output.log") continue;
    const s = lstatSync(path);
    const mode = (s.mode & 0o777).toString(8);
    if (s.isDirectory()) {
      lines.push(`dir  ${path} ${mode}`);
      walk(path);
    } else if (s.isFile()) {
      const hash = createHash("sha256").update(readFileSync(path)).digest("hex");
      lines.push(`file ${path} ${mode} ${s.size} ${hash}`);
    } else lines.push(`other ${path}`);
  }
};
walk(".");
writeFileSync("listing.txt", `${lines.join("\n")}\n`);
writeFileSync("where.txt", `${statSync(".").ino} ${statSync("vandal.mjs", { bigint: true }).ctimeNs}\n`);

appendFileSync("input.dat", "changed by the model\n");
rmSync("data/b.dat");
chmodSync("data/a.dat", 0o400);
rmSync("replace-me.dat");
mkdirSync("replace-me.dat/inside", { recursive: true });
rmSync("emptydir", { recursive: true });
writeFileSync("emptydir", "now a file\n");
linkSync("same-size.dat", "hardlink.dat");
writeFileSync("same-size.dat", "XXXXXXXXXXXXXXXX"); // same size as before, other content
symlinkSync("input.dat", "link.dat");
mkdirSync("made/deeper", { recursive: true });
writeFileSync("made/deeper/new.txt", "new\n");
appendFileSync("model.in", "written after the template\n");
const x = Number(/x\s+(\S+)/.exec(readFileSync("model.in", "utf8"))[1]);
writeFileSync("out.txt", `y ${2 * x}\n`);
