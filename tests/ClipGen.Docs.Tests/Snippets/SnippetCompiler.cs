using System.Collections.Immutable;
using System.Text.RegularExpressions;
using ClipGen.Analyzers;
using ClipGen.Analyzers.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ClipGen.Docs.Tests.Snippets;

/// <summary>A diagnostic of a compiled snippet, mapped back to its Markdown line.</summary>
internal sealed record SnippetDiagnostic(string Id, DiagnosticSeverity Severity, int MarkdownLine, string Message)
{
    public override string ToString() => $"line {MarkdownLine}: {Severity.ToString().ToLowerInvariant()} {Id}: {Message}";
}

/// <summary>
/// Compiles a <see cref="DocSnippet"/> as a user's project would: .NET 8 reference assemblies, the SDK's implicit
/// usings, TorchSharp, the ClipGen runtime, the <c>[ClipGradNorm]</c> generator and ClipGen's analyzers. A
/// <c>#line</c> directive maps every diagnostic to the Markdown file's own line.
/// </summary>
internal static partial class SnippetCompiler
{
    /// <summary>The usings a snippet without any gets (what the docs' complete examples start with).</summary>
    private const string StandardUsings =
        "using ClipGen;\nusing TorchSharp;\nusing TorchSharp.Modules;\nusing static TorchSharp.torch;\nusing static TorchSharp.torch.nn;\n";

    /// <summary>The global usings of an SDK project with ImplicitUsings (the default of <c>dotnet new console</c>).</summary>
    private const string ImplicitUsings =
        "global using System;\nglobal using System.Collections.Generic;\nglobal using System.IO;\nglobal using System.Linq;\n" +
        "global using System.Net.Http;\nglobal using System.Threading;\nglobal using System.Threading.Tasks;\n";

    /// <summary>What a training-method snippet may use: the names the docs' loops use.</summary>
    private const string TrainingContext = """
        public partial class SnippetLoop
        {
            private readonly nn.Module<Tensor, Tensor> model = null!;
            private readonly optim.Optimizer optimizer = null!;
            private readonly Loss<Tensor, Tensor, Tensor> loss_fn = null!;
            private readonly Loss<Tensor, Tensor, Tensor> criterion = null!;
            private readonly Tensor loss = null!, x = null!, y = null!;
            private readonly int steps = 10;
            private readonly IEnumerable<(Tensor, Tensor)> batches = [];

            public void Train()
            {
        """;

    /// <summary>A trainer class with one model, optimizer and criterion, which a form-1 train step finds by type.</summary>
    private const string TrainerContext = """
        public partial class SnippetTrainer
        {
            private readonly nn.Module<Tensor, Tensor> model = null!;
            private readonly optim.Optimizer optimizer = null!;
            private readonly Loss<Tensor, Tensor, Tensor> criterion = null!;
        """;

    private static readonly ImmutableArray<MetadataReference> References =
        Basic.Reference.Assemblies.Net80.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(global::TorchSharp.torch).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(global::ClipGen.GradClip).Assembly.Location))
            .ToImmutableArray();

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers =
        [new TrainingLoopAnalyzer(), new TrainStepUsageAnalyzer()];

    public static IReadOnlyList<SnippetDiagnostic> Compile(DocSnippet snippet)
    {
        string source = Source(snippet);
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, parse, path: snippet.File);
        SyntaxTree usings = CSharpSyntaxTree.ParseText(ImplicitUsings, parse, path: "ImplicitUsings.g.cs");
        bool program = tree.GetCompilationUnitRoot().Members.Any(m => m is Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax);
        var compilation = CSharpCompilation.Create("DocSnippet", [tree, usings], References,
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable));

        GeneratorDriver driver = CSharpGeneratorDriver.Create(new TrainStepGenerator()).WithUpdatedParseOptions(parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out ImmutableArray<Diagnostic> generatorDiagnostics);
        ImmutableArray<Diagnostic> analyzed = generated.WithAnalyzers(Analyzers).GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        return generatorDiagnostics.Concat(analyzed)
            .Where(d => d.Severity == DiagnosticSeverity.Error || d.Id.StartsWith("CG", StringComparison.Ordinal))
            .Select(d => new SnippetDiagnostic(d.Id, d.Severity, d.Location.GetMappedLineSpan().StartLinePosition.Line + 1, d.GetMessage()))
            .Distinct()
            .ToList();
    }

    /// <summary>The C# file compiled for <paramref name="snippet"/>; <c>#line</c> makes its lines the Markdown file's.</summary>
    public static string Source(DocSnippet snippet)
    {
        // "..." stands for code left out: a body or expression the reader writes (docs/snippets.md).
        string code = Ellipsis().Replace(snippet.Code, m => m.Value.StartsWith("=>", StringComparison.Ordinal) ? "=> throw null!;" : "{ throw null!; }");
        string mapped = $"#line {snippet.Line} \"{snippet.File}\"\n{code}\n#line default\n";
        return snippet.Kind switch
        {
            SnippetKind.Statements => StandardUsings + TrainingContext + "\n" + mapped + "    }\n}\n",
            SnippetKind.Members => StandardUsings + TrainerContext + "\n" + mapped + "}\n",
            _ when !HasUsing(code) => StandardUsings + mapped,
            _ => mapped,
        };
    }

    private static bool HasUsing(string code) => code.Split('\n').Any(l => UsingDirective().IsMatch(l));

    [GeneratedRegex(@"^\s*(global\s+)?using\s+(static\s+)?[\w.]+(\s*=\s*[\w.<>, ]+)?\s*;")]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"=>\s*\.\.\.\s*;|\{\s*\.\.\.\s*\}")]
    private static partial Regex Ellipsis();
}
