/**
 * The documentation's TypeScript code blocks, written out as modules to type-check in the consumer application:
 * every ```ts block of the READMEs and of docs/, each in a directory (a tsconfig project) of its own: a block is a
 * complete module, and the user model one block registers is not seen by the others.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"

const root = new URL("../..", import.meta.url).pathname

/** Pages left out, each with its reason (none today). */
export const excluded: ReadonlyMap<string, string> = new Map()

/** The Markdown files whose code blocks are type-checked (relative to the repository root). */
export const markdownFiles = async (): Promise<ReadonlyArray<string>> => {
  const docs = (await readdir(join(root, "docs"), { recursive: true }))
    .filter((file) => file.endsWith(".md") && !file.startsWith("api/"))
    .map((file) => `docs/${file}`)
  const packages = (await readdir(join(root, "packages"))).map((name) => `packages/${name}/README.md`)
  return ["README.md", ...docs, ...packages, "examples/server/README.md"].filter((file) => !excluded.has(file)).sort()
}

/** The ```ts blocks of one Markdown text, in order. */
export const codeBlocks = (markdown: string): ReadonlyArray<string> =>
  Array.from(markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm), (match) => match[1] ?? "")

/** Writes every block under `dir` (`<page>_<n>/block.ts` and its tsconfig); returns the number of blocks. */
export const writeSnippets = async (dir: string): Promise<number> => {
  let count = 0
  for (const file of await markdownFiles()) {
    const blocks = codeBlocks(await readFile(join(root, file), "utf8"))
    for (const [index, block] of blocks.entries()) {
      const project = join(dir, `${file.replaceAll("/", "_").replace(/\.md$/, "")}_${index + 1}`)
      await mkdir(project, { recursive: true })
      await writeFile(join(project, "block.ts"), `// ${file}, code block ${index + 1}\n${block}`)
      await writeFile(
        join(project, "tsconfig.json"),
        JSON.stringify({ extends: "../../tsconfig.json", compilerOptions: { skipLibCheck: true }, include: ["*.ts"] })
      )
      count++
    }
  }
  return count
}

/** The tsconfig of every project `writeSnippets` wrote. */
export const snippetFiles = async (dir: string): Promise<ReadonlyArray<string>> =>
  (await readdir(dir)).map((project) => join(dir, project, "tsconfig.json"))
