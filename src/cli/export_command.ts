import { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic_write.ts';
import { loadModelFile } from '../io/model_file_node.ts';
import { toOnnx } from '../io/onnx.ts';
import { ACTIVATIONS } from '../nn/modules.ts';
import { choiceArg } from './parse.ts';
import { UsageError } from './files.ts';

interface ExportFlags {
  onnx?: string;
  softmax?: boolean;
  activation?: string;
  quiet?: boolean;
}

export function exportCommand(): Command {
  return new Command('export')
    .description(
      'Export a model to ONNX: MODEL is a safetensors file anneal wrote (its layers are recorded in it) or ' +
        "PyTorch's weights (.pt or .safetensors with nn.Sequential, MLP or LogicNet keys; --activation says what " +
        'sits between the layers). The ONNX graph is Gemm layers and their activations, input "input" ' +
        '[batch, features], output "logits" (or "probabilities" with --softmax).',
    )
    .argument('<model>', 'a .safetensors or .pt weights file')
    .option('--onnx <file>', 'the .onnx file to write')
    .option('--softmax', 'end the graph with Softmax: the output is class probabilities')
    .option(
      '--activation <name>',
      `the activation between layers, for files that do not record it (${ACTIVATIONS.join(', ')}; default tanh)`,
      choiceArg(ACTIVATIONS),
    )
    .option('--quiet', 'print nothing')
    .action(async (path: string, flags: ExportFlags) => {
      if (!flags.onnx) throw new UsageError('export: say where to write the model: --onnx FILE');
      if (!flags.onnx.toLowerCase().endsWith('.onnx')) {
        throw new UsageError(`--onnx must name a .onnx file, got ${JSON.stringify(flags.onnx)}`);
      }
      const model = loadModelFile(path, { activation: flags.activation });
      try {
        writeFileAtomic(flags.onnx, await toOnnx(model, { softmax: Boolean(flags.softmax) }));
        if (!flags.quiet) {
          const layers = model.modules.map((m) => String(m)).join(' → ');
          const output = flags.softmax ? 'probabilities' : 'logits';
          process.stdout.write(`anneal export — ${path} → ${flags.onnx} (ONNX)\n  ${layers}\n  output: ${output}\n`);
        }
      } finally {
        model.dispose();
      }
    });
}
