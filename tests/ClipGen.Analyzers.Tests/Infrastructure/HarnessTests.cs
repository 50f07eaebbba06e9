using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Tests.Infrastructure;

public class HarnessTests
{
    [Fact]
    public void A_TorchSharp_training_loop_compiles_with_offline_references()
    {
        const string source = """
            using TorchSharp;
            using static TorchSharp.torch;

            public static class Loop
            {
                public static void Train(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
                {
                    var optimizer = optim.Adam(model.parameters(), 1e-3);
                    for (int i = 0; i < 10; i++)
                    {
                        optimizer.zero_grad();
                        var loss = nn.functional.mse_loss(model.call(x), y);
                        loss.backward();
                        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                        optimizer.step();
                    }
                }
            }
            """;

        var errors = SnippetCompilation.Create(source).GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error).ToList();

        Assert.Empty(errors);
    }

    [Fact]
    public void The_harness_reports_errors_in_broken_snippets()
    {
        var errors = SnippetCompilation.Create("class C { void M() { torch.nope(); } }").GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error).ToList();

        Assert.NotEmpty(errors);
    }
}
