using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ClipGen.Analyzers.Tests.Generator;

/// <summary>
/// A misused train step (CG1003–CG1005) gets a throwing stub with its exact signature, so the compilation
/// has no CS8795 ("partial method must have an implementation part") and the analyzer's error is reported.
/// </summary>
public class StubTests
{
    private const string Header = """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        """;

    /// <summary>One misuse per line, each with the id the analyzer reports; C# 9 syntax.</summary>
    private static readonly (string Id, string Declaration)[] Misuses =
    {
        ("CG1003", "[ClipGradNorm(1.0)] public partial void Ambiguous(Tensor input, Tensor target);"),
        ("CG1003", "[ClipGradNorm(1.0, Optimizer = \"count\")] internal partial Tensor WrongType(Tensor input, Tensor target);"),
        ("CG1003", "[ClipGradValue(0.5, Model = nameof(model), Loss = \"Missing\")] protected static new partial double NoLoss(Tensor? input, Tensor target);"),
        ("CG1004", "[ClipGradNorm(1.0, Model = nameof(model))] private partial int ReturnsInt(Tensor input, Tensor target);"),
        ("CG1004", "[ClipGradNorm(1.0, Model = nameof(model))] public partial void Out(Tensor input, out Tensor target);"),
        ("CG1004", "[ClipGradNorm(1.0, Model = nameof(model))] public partial ref int RefReturn(ref Tensor input, Tensor target);"),
        ("CG1004", "[ClipGradNorm(1.0, Model = nameof(model))] public partial Tensor? OneInput(Tensor? input);"),
        ("CG1004", "[ClipGradNorm(1.0, Model = nameof(model))] public partial float Pointer(int* cursor, params Tensor[] batch);"),
        ("CG1004", "[ClipGradNorm(1.0, Model = nameof(model))] public unsafe partial void FunctionPointer(delegate*<int, void> callback, Tensor target);"),
        ("CG1005", "[ClipGradNorm(-1.0, Model = nameof(model))] public partial TrainStepResult Negative(in Tensor input, Tensor target);"),
        ("CG1005", "[AdaptiveGradClip(0.0, Model = nameof(model))] public virtual partial void @class(Tensor input, Tensor target);"),
    };

    private static string Source(IEnumerable<string> declarations) => Header + """
        namespace MyApp
        {
            public unsafe partial class Trainer : Base
            {
                private static int counter;
                Module<Tensor, Tensor> model = null!;
                Module<Tensor, Tensor> second = null!;
                torch.optim.Optimizer optimizer = null!;
                Loss<Tensor, Tensor, Tensor> criterion = null!;
                int count;
                public ref int Counter => ref counter;
                public int Count => count;

        """ + string.Join("\n", declarations.Select(d => "        " + d)) + """

            }

            public class Base
            {
                protected static double NoLoss(Tensor? input, Tensor target) => 0;
            }
        }
        """;

    public static TheoryData<LanguageVersion, NullableContextOptions> Versions() => new()
    {
        { LanguageVersion.CSharp9, NullableContextOptions.Enable },
        { LanguageVersion.CSharp9, NullableContextOptions.Disable },
        { LanguageVersion.Latest, NullableContextOptions.Enable },
        { LanguageVersion.Latest, NullableContextOptions.Disable },
    };

    [Theory]
    [MemberData(nameof(Versions))]
    public void Every_misuse_that_leaves_the_declaration_implementable_gets_a_stub_that_compiles_warning_free(LanguageVersion version, NullableContextOptions nullable)
    {
        string source = Source(Misuses.Select(m => m.Declaration));

        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Compilation(new[] { source }, version, nullable, allowUnsafe: true));

        Assert.Equal(Misuses.Length, result.Sources.Length);
        Assert.All(result.Sources, s => Assert.Contains("throw new global::System.InvalidOperationException(\"CG100", s.SourceText.ToString(), StringComparison.Ordinal));
        Assert.Empty(result.GeneratorDiagnostics);
        // The stubs remove the CS8795s and add nothing: what remains are the snippet's own warnings (unused
        // fields, '?' with nullable off), reported the same without the generator.
        Assert.DoesNotContain(result.Output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        List<string> before = GeneratorHarness.Problems(GeneratorHarness.Compilation(new[] { source }, version, nullable, allowUnsafe: true));
        Assert.Equal(Misuses.Length, before.Count(p => p.Contains("error CS8795", StringComparison.Ordinal)));
        Assert.Equal(before.Where(p => !p.Contains("CS8795", StringComparison.Ordinal)).Order(), GeneratorHarness.Problems(result.Output).Order());
    }

    [Fact]
    public void The_analyzer_reports_the_error_each_stub_names()
    {
        foreach ((string id, string declaration) in Misuses)
        {
            string source = Source(new[] { declaration });

            GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Compilation(new[] { source }, allowUnsafe: true));
            string stub = Assert.Single(result.Sources).SourceText.ToString();
            List<Diagnostic> errors = result.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            var analyzer = GeneratorHarness.Analyze(GeneratorHarness.Compilation(new[] { source }, allowUnsafe: true));

            Assert.Empty(errors);
            Assert.NotEmpty(analyzer);
            Assert.All(analyzer, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
            // The stub throws with one of the reported diagnostics (the parser's first), escaped as a C# string literal.
            Diagnostic named = Assert.Single(analyzer, d => stub.Contains(
                $"throw new global::System.InvalidOperationException({SymbolDisplay.FormatLiteral(d.Id + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), quote: true)});",
                StringComparison.Ordinal));
            Assert.True(named.Id == id, declaration + " -> " + named);
        }
    }

    [Fact]
    public void A_stub_throws_with_the_diagnostic_instead_of_training()
    {
        string source = Source(new[] { Misuses[0].Declaration });
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Compilation(new[] { source }, allowUnsafe: true));
        using var image = new MemoryStream();
        Assert.True(result.Output.Emit(image).Success);

        Assembly assembly = Assembly.Load(image.ToArray());
        Type trainer = assembly.GetType("MyApp.Trainer")!;
        object instance = Activator.CreateInstance(trainer)!;
        var thrown = Assert.Throws<TargetInvocationException>(() => trainer.GetMethod("Ambiguous")!.Invoke(instance, new object?[] { null, null }));

        var error = Assert.IsType<InvalidOperationException>(thrown.InnerException);
        Assert.Equal("CG1003: Several torch.nn.Module fields or properties in 'Trainer' ('model', 'second'): name one with Model = nameof(...)", error.Message);
    }

    [Theory]
    [InlineData("[ClipGradNorm(1.0)] public Tensor NotPartial(Tensor input, Tensor target) => input;")]
    [InlineData("[ClipGradNorm(1.0)] public partial void Generic<T>(Tensor input, Tensor target);")]
    public void No_stub_where_the_compiler_or_a_generic_signature_stands_in_the_way(string declaration)
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Compilation(new[] { Source(new[] { declaration }) }, allowUnsafe: true));

        Assert.Empty(result.Sources);
    }

    [Fact]
    public void No_stub_for_an_async_step_whose_bodiless_declaration_the_compiler_rejects()
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Compilation(new[] { Source(new[] { "[ClipGradNorm(1.0)] public async partial void Async(Tensor input, Tensor target);" }) }, allowUnsafe: true));

        Assert.Empty(result.Sources);
        Assert.Contains(result.Output.GetDiagnostics(), d => d.Id == "CS1994");
    }

    [Fact]
    public void No_stub_when_the_containing_type_is_not_partial()
    {
        string source = Header + """
            public class Trainer
            {
                [ClipGradNorm(-1.0)] public partial void Step(Tensor input, Tensor target);
            }
            """;

        Assert.Empty(GeneratorHarness.Run(source).Sources);
    }
}
