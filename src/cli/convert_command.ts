import { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic_write.ts';
import { readFileBytes } from '../io/model_file_node.ts';
import { writeSafetensors } from '../io/safetensors.ts';
import { FileFormatError, type TensorToWrite } from '../io/tensors.ts';
import { isZip, readWeights } from '../io/weights.ts';
import { UsageError } from './files.ts';

interface ConvertFlags {
  allowNonFinite?: boolean;
  quiet?: boolean;
}

export function convertCommand(): Command {
  return new Command('convert')
    .description(
      'Convert PyTorch weights to safetensors: IN is a torch.save(model.state_dict()) file (.pt, read by a ' +
        'restricted unpickler that runs no code and allows only what a state dict needs, as ' +
        'torch.load(weights_only=True)) or a safetensors file (F16, BF16, F64 are converted); OUT is written as ' +
        'F32 safetensors with the same keys and shapes, atomically.',
    )
    .argument('<in>', 'a .pt or .safetensors file')
    .argument('<out>', 'the .safetensors file to write')
    .option('--allow-non-finite', 'copy NaN and infinite values instead of refusing the file')
    .option('--quiet', 'print nothing')
    .action((input: string, output: string, flags: ConvertFlags) => {
      if (!output.toLowerCase().endsWith('.safetensors')) {
        throw new UsageError(`convert: OUT must be a .safetensors file, got ${JSON.stringify(output)}`);
      }
      const bytes = readFileBytes(input);
      const file = readWeights(bytes, input);
      const tensors: Record<string, TensorToWrite> = {};
      for (const t of file.tensors) {
        const bad = flags.allowNonFinite ? -1 : t.data.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) {
          throw new FileFormatError(
            input,
            t.name,
            'finite values (or --allow-non-finite)',
            t.data[bad],
            `tensor ${t.name} holds ${t.data[bad]} at index ${bad} (--allow-non-finite copies it anyway)`,
          );
        }
        tensors[t.name] = t;
      }
      writeFileAtomic(output, writeSafetensors(tensors, { ...(file.metadata ?? {}), format: 'pt' }));
      if (!flags.quiet) {
        const from = isZip(bytes) ? 'PyTorch zip (torch.save)' : 'safetensors';
        const dtypes = [...new Set(file.tensors.map((t) => t.dtype))].join(', ') || 'no tensors';
        process.stdout.write(
          `anneal convert — ${input} (${from}, ${dtypes}) → ${output} (safetensors, F32)\n` +
            file.tensors.map((t) => `  ${t.name.padEnd(20)} [${t.shape.join(', ')}]\n`).join(''),
        );
      }
    });
}
