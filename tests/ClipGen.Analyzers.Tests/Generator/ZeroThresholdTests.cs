using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Tests.Generator;

/// <summary>
/// The maxNorm = 0 story, attribute side: 0 is valid (the runtime zeroes every gradient, as PyTorch's
/// <c>clip_grad_norm_</c> does: coef = 0 / (total + 1e-6) = 0), so no CG1005 and the real step is generated, but it
/// stops learning, so CG0006 warns — with the wording CG0006 uses for <c>GradClip.ClipGradNorm(ps, 0.0)</c>.
/// </summary>
public class ZeroThresholdTests
{
    private const string Trainer = """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        public partial class Trainer
        {
            Module<Tensor, Tensor> model = null!;
            torch.optim.Optimizer optimizer = null!;
            Loss<Tensor, Tensor, Tensor> criterion = null!;
            ATTRIBUTE public partial void Step(Tensor input, Tensor target);
        }
        """;

    [Theory]
    [InlineData("[ClipGradNorm(0)]", "maxNorm", "0")]
    [InlineData("[ClipGradNorm(0.0, NormType = 1)]", "maxNorm", "0.0")]
    [InlineData("[ClipGradValue(0.0)]", "clipValue", "0.0")]
    public void A_zero_threshold_is_a_CG0006_warning_on_the_argument(string attribute, string name, string argument)
    {
        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Analyze(Trainer.Replace("ATTRIBUTE", attribute, StringComparison.Ordinal)));
        Assert.Equal("CG0006", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal($"'{name}' is 0; it zeroes every gradient: no learning (use a positive threshold)",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(argument, diagnostic.Location.SourceTree!.GetRoot().FindNode(diagnostic.Location.SourceSpan).ToString());
    }

    [Fact]
    public void A_zero_threshold_still_gets_the_real_train_step_not_a_stub()
    {
        GeneratorResult result = GeneratorHarness.Run(Trainer.Replace("ATTRIBUTE", "[ClipGradNorm(0)]", StringComparison.Ordinal));
        string generated = Assert.Single(result.Sources).SourceText.ToString();
        // The real step clips (through GradClip or the generated gradient buffer), the stub only throws.
        Assert.Contains(".ClipGradNorm", generated, StringComparison.Ordinal);
        Assert.Contains("this.optimizer.step()", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", generated, StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.Problems(result.Output));
    }

    [Fact]
    public void A_negative_threshold_stays_a_CG1005_error()
    {
        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Analyze(Trainer.Replace("ATTRIBUTE", "[ClipGradNorm(-1)]", StringComparison.Ordinal)));
        Assert.Equal(("CG1005", DiagnosticSeverity.Error), (diagnostic.Id, diagnostic.Severity));
    }
}
