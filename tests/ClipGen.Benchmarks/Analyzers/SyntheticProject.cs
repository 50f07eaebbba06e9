using System.Text;

namespace ClipGen.Benchmarks.Analyzers;

/// <summary>
/// A synthetic code base: ~100-line files; every tenth holds a TorchSharp training loop (some with
/// the classic mistakes the analyzers look for), every fortieth a <c>[ClipGradNorm]</c> train step.
/// </summary>
internal static class SyntheticProject
{
    public static IReadOnlyList<(string Path, string Text)> Files(int count)
    {
        var files = new List<(string, string)>(count);
        for (int i = 0; i < count; i++)
        {
            string text = (i % 40) switch
            {
                0 => AttributedFile(i, methods: 1),
                _ when i % 10 == 5 => TrainingLoopFile(i),
                _ => PlainFile(i),
            };
            files.Add(($"File{i:0000}.cs", text));
        }

        return files;
    }

    /// <summary><paramref name="classes"/> classes with one <c>[ClipGradNorm]</c> method each, per file.</summary>
    public static IReadOnlyList<(string Path, string Text)> AttributedFiles(int methods, int perFile)
    {
        var files = new List<(string, string)>();
        for (int i = 0; i * perFile < methods; i++)
        {
            files.Add(($"Trainers{i:0000}.cs", AttributedFile(i, Math.Min(perFile, methods - (i * perFile)))));
        }

        return files;
    }

    private static string PlainFile(int i)
    {
        var sb = new StringBuilder();
        sb.AppendLine("using System;\nusing System.Collections.Generic;\nusing System.Linq;\nusing System.Text;\n");
        sb.AppendLine($"namespace Synthetic.Plain{i % 17};\n");
        sb.AppendLine($"public sealed class Service{i}\n{{");
        sb.AppendLine("    private readonly Dictionary<string, int> _counts = new();\n    private readonly List<double> _values = new();\n");
        for (int m = 0; m < 6; m++)
        {
            sb.AppendLine($"    public int Method{m}(IEnumerable<string> items, int limit)\n    {{");
            sb.AppendLine("        int total = 0;\n        foreach (string item in items)\n        {");
            sb.AppendLine("            if (item.Length > limit)\n            {\n                continue;\n            }\n");
            sb.AppendLine("            _counts[item] = _counts.TryGetValue(item, out int c) ? c + 1 : 1;\n            total += item.Length;\n        }\n");
            sb.AppendLine($"        _values.Add(total * {m + 1}.5);\n        return _values.Count > 3 ? (int)_values.Average() : total;\n    }}\n");
        }

        sb.AppendLine("    public override string ToString() => string.Join(\",\", _counts.Keys.OrderBy(k => k));\n}");
        return sb.ToString();
    }

    private static string TrainingLoopFile(int i)
    {
        bool buggy = i % 20 == 5; // half of them: zero_grad missing, clip after step
        var sb = new StringBuilder();
        sb.AppendLine("using System;\nusing TorchSharp;\nusing static TorchSharp.torch;\n");
        sb.AppendLine($"namespace Synthetic.Training{i % 7};\n");
        sb.AppendLine($"public sealed class Loop{i}\n{{");
        for (int m = 0; m < 4; m++)
        {
            sb.AppendLine($"    public double Train{m}(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, int epochs)\n    {{");
            sb.AppendLine("        var optimizer = optim.Adam(model.parameters(), 1e-3);\n        double last = 0;");
            sb.AppendLine("        for (int epoch = 0; epoch < epochs; epoch++)\n        {\n            using var scope = NewDisposeScope();");
            if (!buggy)
            {
                sb.AppendLine("            optimizer.zero_grad();");
            }

            sb.AppendLine("            Tensor loss = nn.functional.mse_loss(model.call(x), y);\n            loss.backward();");
            sb.AppendLine(buggy
                ? "            optimizer.step();\n            nn.utils.clip_grad_norm_(model.parameters(), 1.0);"
                : "            nn.utils.clip_grad_norm_(model.parameters(), 1.0);\n            optimizer.step();");
            sb.AppendLine("            last = loss.item<float>();\n        }\n\n        return last;\n    }\n");
        }

        sb.AppendLine("}");
        return Pad(sb, 100);
    }

    private static string AttributedFile(int i, int methods)
    {
        var sb = new StringBuilder();
        sb.AppendLine("using ClipGen;\nusing TorchSharp;\nusing static TorchSharp.torch;\n");
        sb.AppendLine($"namespace Synthetic.Steps{i % 5};\n");
        for (int m = 0; m < methods; m++)
        {
            sb.AppendLine($"public partial class Trainer{i}_{m}\n{{");
            sb.AppendLine("    private readonly nn.Module<Tensor, Tensor> model;\n    private readonly optim.Optimizer optimizer;\n    private readonly Loss<Tensor, Tensor, Tensor> criterion;\n");
            sb.AppendLine($"    public Trainer{i}_{m}(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> criterion)\n    {{\n        this.model = model;\n        this.optimizer = optimizer;\n        this.criterion = criterion;\n    }}\n");
            sb.AppendLine($"    [ClipGradNorm({m % 3 + 1}.0)]\n    public partial Tensor TrainStep(Tensor input, Tensor target);\n}}\n");
        }

        return methods == 1 ? Pad(sb, 100) : sb.ToString();
    }

    private static string Pad(StringBuilder sb, int lines)
    {
        int have = sb.ToString().Split('\n').Length;
        for (int k = have; k < lines; k++)
        {
            sb.AppendLine($"// padding line {k}: comments and blank lines are part of every real file");
        }

        return sb.ToString();
    }
}
