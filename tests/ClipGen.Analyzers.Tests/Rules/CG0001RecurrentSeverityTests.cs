using ClipGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = ClipGen.Analyzers.Tests.Infrastructure.CSharpAnalyzerVerifier<ClipGen.Analyzers.TrainingLoopAnalyzer>;

namespace ClipGen.Analyzers.Tests.Rules;

/// <summary>CG0001's severity follows the model's structure within the compilation (and <c>clipgen.CG0001.recurrent_severity</c>).</summary>
public class CG0001RecurrentSeverityTests
{
    private const string Note = " (the model is recurrent/attention-based: its gradients are prone to explode)";

    /// <summary>A GPT-2-style decoder: the attention is written by hand, two module levels below the model.</summary>
    private const string HandWrittenAttention = """
        public sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
        {
            private readonly Linear qkv;
            private readonly Linear proj;
            private readonly int heads;

            public CausalSelfAttention(int width, int heads) : base("attn")
            {
                this.heads = heads;
                qkv = nn.Linear(width, 3 * width);
                proj = nn.Linear(width, width);
                RegisterComponents();
            }

            public override Tensor forward(Tensor x)
            {
                var parts = qkv.call(x).chunk(3, -1);
                var scores = parts[0].matmul(parts[1].transpose(-2, -1)) / Math.Sqrt(x.shape[^1] / heads);
                return proj.call(nn.functional.softmax(scores, -1).matmul(parts[2]));
            }
        }

        public sealed class DecoderBlock : nn.Module<Tensor, Tensor>
        {
            private readonly LayerNorm norm = nn.LayerNorm(64);
            private readonly CausalSelfAttention attention = new(64, 4);
            public DecoderBlock() : base("block") => RegisterComponents();
            public override Tensor forward(Tensor x) => x + attention.call(norm.call(x));
        }

        public sealed class TinyGpt : nn.Module<Tensor, Tensor>
        {
            private readonly ModuleList<DecoderBlock> blocks = new();
            private readonly Linear head = nn.Linear(64, 100);

            public TinyGpt(int layers) : base("gpt")
            {
                for (int i = 0; i < layers; i++) blocks.Add(new DecoderBlock());
                RegisterComponents();
            }

            public override Tensor forward(Tensor x)
            {
                foreach (var block in blocks) x = block.call(x);
                return head.call(x);
            }
        }

        """;

    private static Task VerifyWithSeverity(string source, string optimizer, DiagnosticSeverity severity, string note = Note, string? editorConfig = null)
    {
        var test = new Verify.Test { TestCode = Snippets.Usings + source };
        if (editorConfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", editorConfig));
        }

        test.ExpectedDiagnostics.Add(Verify.Diagnostic("CG0001").WithLocation(0).WithSeverity(severity).WithArguments(optimizer, note));
        return test.RunAsync(CancellationToken.None);
    }

    private const string GptTrainer = """
        public static class Pretraining
        {
            public static void Run(Tensor tokens, Tensor targets, int steps)
            {
                var model = new TinyGpt(10);
                var opt = optim.AdamW(model.parameters(), 3e-4);
                for (int i = 0; i < steps; i++)
                {
                    opt.zero_grad();
                    nn.functional.cross_entropy(model.call(tokens), targets).backward();
                    {|#0:opt.step()|};
                }
            }
        }

        """;

    [Fact]
    public Task A_GPT_with_hand_written_attention_is_attention_based() =>
        VerifyWithSeverity(HandWrittenAttention + GptTrainer, "opt", DiagnosticSeverity.Warning);

    [Fact]
    public Task A_transformer_with_a_custom_multi_head_attention_held_in_an_array_is_attention_based() => VerifyWithSeverity("""
        using System.Linq;

        public sealed class MultiHeadAttention : nn.Module<Tensor, Tensor>
        {
            private readonly Linear query = nn.Linear(32, 32), key = nn.Linear(32, 32), value = nn.Linear(32, 32);
            public MultiHeadAttention() : base("mha") => RegisterComponents();
            public override Tensor forward(Tensor x) =>
                torch.einsum("bqd,bkd->bqk", query.call(x), key.call(x)).softmax(-1).bmm(value.call(x));
        }

        public sealed class EncoderLayer : nn.Module<Tensor, Tensor>
        {
            private readonly MultiHeadAttention selfAttention = new();
            private readonly Linear feedForward = nn.Linear(32, 32);
            public EncoderLayer() : base("layer") => RegisterComponents();
            public override Tensor forward(Tensor x) => feedForward.call(x + selfAttention.call(x));
        }

        public sealed class Encoder : nn.Module<Tensor, Tensor>
        {
            private readonly EncoderLayer[] layers = Enumerable.Range(0, 10).Select(_ => new EncoderLayer()).ToArray();
            public Encoder() : base("encoder") => RegisterComponents();
            public override Tensor forward(Tensor x) => layers.Aggregate(x, (h, layer) => layer.call(h));
        }

        public sealed class Trainer
        {
            private readonly Encoder encoder = new();

            public void Epoch(IEnumerable<(Tensor X, Tensor Y)> data)
            {
                var sgd = optim.SGD(encoder.parameters(), 0.1);
                foreach (var (x, y) in data)
                {
                    sgd.zero_grad();
                    nn.functional.mse_loss(encoder.call(x), y).backward();
                    {|#0:sgd.step()|};
                }
            }
        }

        """, "sgd", DiagnosticSeverity.Warning);

    [Fact]
    public Task An_LSTM_in_a_field_typed_as_an_abstract_base_is_recurrent() => VerifyWithSeverity("""
        public abstract class SequenceEncoder : nn.Module<Tensor, Tensor>
        {
            protected SequenceEncoder(string name) : base(name) { }
        }

        public sealed class LstmEncoder : SequenceEncoder
        {
            private readonly LSTM lstm;
            public LstmEncoder(int width) : base("lstm-encoder") { lstm = nn.LSTM(width, width); RegisterComponents(); }
            public override Tensor forward(Tensor x) => lstm.call(x, null).Item1;
        }

        public sealed class Tagger : nn.Module<Tensor, Tensor>
        {
            private readonly SequenceEncoder encoder;
            private readonly Linear output = nn.Linear(16, 5);

            public Tagger() : base("tagger")
            {
                encoder = new LstmEncoder(16);
                RegisterComponents();
            }

            public override Tensor forward(Tensor x) => output.call(encoder.call(x));
        }

        public sealed class Trainer
        {
            private readonly Tagger tagger = new();

            public void Step(Tensor x, Tensor y)
            {
                var adam = optim.Adam(tagger.parameters());
                adam.zero_grad();
                nn.functional.cross_entropy(tagger.call(x), y).backward();
                {|#0:adam.step()|};
            }
        }

        """, "adam", DiagnosticSeverity.Warning);

    [Fact]
    public Task An_optimizer_field_built_in_the_constructor_from_a_field_model_follows_the_model() => VerifyWithSeverity("""
        public sealed class Decoder : nn.Module<Tensor, Tensor>
        {
            private readonly GRU gru = nn.GRU(8, 8);
            public Decoder() : base("decoder") => RegisterComponents();
            public override Tensor forward(Tensor x) => gru.call(x, null).Item1;
        }

        public sealed class Seq2Seq : nn.Module<Tensor, Tensor>
        {
            private readonly Decoder decoder = new();
            public Seq2Seq() : base("s2s") => RegisterComponents();
            public override Tensor forward(Tensor x) => decoder.call(x);
        }

        public sealed class Trainer
        {
            private readonly Seq2Seq model;
            private readonly optim.Optimizer optimizer;

            public Trainer()
            {
                model = new Seq2Seq();
                optimizer = optim.Adam(model.parameters(), 1e-3);
            }

            public void Step(Tensor x, Tensor y)
            {
                optimizer.zero_grad();
                nn.functional.mse_loss(model.call(x), y).backward();
                {|#0:optimizer.step()|};
            }
        }

        """, "optimizer", DiagnosticSeverity.Warning);

    [Fact]
    public Task A_recurrent_member_of_the_model_s_base_class_counts() => VerifyWithSeverity("""
        public abstract class RecurrentLanguageModel : nn.Module<Tensor, Tensor>
        {
            protected readonly GRU rnn = nn.GRU(32, 32);
            protected RecurrentLanguageModel(string name) : base(name) { }
        }

        public sealed class CharModel : RecurrentLanguageModel
        {
            private readonly Linear head = nn.Linear(32, 80);
            public CharModel() : base("char") => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(rnn.call(x, null).Item1);
        }

        public sealed class Trainer
        {
            public void Step(CharModel model, Tensor x, Tensor y)
            {
                var opt = optim.RMSProp(model.parameters());
                opt.zero_grad();
                nn.functional.cross_entropy(model.call(x), y).backward();
                {|#0:opt.step()|};
            }
        }

        """, "opt", DiagnosticSeverity.Warning);

    [Fact]
    public Task A_deep_feed_forward_classifier_with_a_softmax_output_stays_info() => VerifyWithSeverity("""
        public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
        {
            private readonly Linear a = nn.Linear(16, 16), b = nn.Linear(16, 16);
            public ResidualBlock() : base("res") => RegisterComponents();
            public override Tensor forward(Tensor x) => x + b.call(nn.functional.relu(a.call(x)));
        }

        public sealed class Classifier : nn.Module<Tensor, Tensor>
        {
            private readonly ModuleList<ResidualBlock> blocks = new(new ResidualBlock(), new ResidualBlock());
            private readonly Linear head = nn.Linear(16, 4);
            public Classifier() : base("clf") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                foreach (var block in blocks) x = block.call(x);
                return nn.functional.softmax(head.call(x), -1);
            }
        }

        public sealed class Trainer
        {
            public void Step(Classifier model, Tensor x, Tensor y)
            {
                var opt = optim.SGD(model.parameters(), 0.1);
                opt.zero_grad();
                nn.functional.nll_loss(model.call(x).log(), y).backward();
                {|#0:opt.step()|};
            }
        }

        """, "opt", DiagnosticSeverity.Info, note: "");

    [Theory]
    [InlineData("error", DiagnosticSeverity.Error)]
    [InlineData("suggestion", DiagnosticSeverity.Info)]
    [InlineData("none", DiagnosticSeverity.Info)]
    [InlineData("warning", DiagnosticSeverity.Warning)]
    public Task The_recurrent_level_is_an_editorconfig_option(string level, DiagnosticSeverity expected) =>
        VerifyWithSeverity(HandWrittenAttention + GptTrainer, "opt", expected,
            editorConfig: $"root = true\n[*.cs]\nclipgen.CG0001.recurrent_severity = {level}\n");
}
