using System.Xml.Linq;
using ClipGen.Testing;

namespace ClipGen.Generator.Tests;

/// <summary>
/// What a user sees when a train step is misused, through a real <c>dotnet build</c>: the CG100x error that says
/// what to fix. A missing implementation part (CS8795) is a declaration error, after which csc runs no analyzer:
/// for CG1003–CG1005 the generator writes a stub so the usage analyzer runs; CG1001/CG1002, whose methods cannot
/// be completed, are reported by the generator itself.
/// </summary>
public sealed class MisuseBuildTests : IDisposable
{
    private const string Program = """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        System.Console.WriteLine(new GanTrainer());

        public partial class GanTrainer
        {
            public Module<Tensor, Tensor> generator = null!;
            public Module<Tensor, Tensor> discriminator = null!;
            public torch.optim.Optimizer optimizer = null!;
            public Loss<Tensor, Tensor, Tensor> criterion = null!;

            [ClipGradNorm(1.0)]
            public partial Tensor Step(Tensor input, Tensor target);
        }
        """;

    /// <summary>
    /// The examples of docs/rules/CG1001.md and CG1002.md. Each is a declaration error for the compiler (CS8795,
    /// CS0751, …) or sits beside one, after which csc runs no analyzer: the generator reports these itself.
    /// </summary>
    private const string DeclarationMisuses = """
        using ClipGen;
        using TorchSharp;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        System.Console.WriteLine(new HandWritten());

        public class Outer
        {
            public partial class Trainer
            {
                Module<Tensor, Tensor> model = null!;
                torch.optim.Optimizer optimizer = null!;
                Loss<Tensor, Tensor, Tensor> criterion = null!;

                [ClipGradNorm(1.0)] public partial void Step(Tensor input, Tensor target);
            }
        }

        public class PlainTrainer
        {
            Module<Tensor, Tensor> model = null!;
            torch.optim.Optimizer optimizer = null!;
            Loss<Tensor, Tensor, Tensor> criterion = null!;

            [ClipGradNorm(1.0)] public partial void Fit(Tensor input, Tensor target);
        }

        public partial class HandWritten
        {
            Module<Tensor, Tensor> model = null!;
            torch.optim.Optimizer optimizer = null!;
            Loss<Tensor, Tensor, Tensor> criterion = null!;

            [ClipGradNorm(1.0)]
            public Tensor TrainStep(Tensor input, Tensor target) => input;

            [ClipGradNorm(1.0)]
            public partial Tensor Step(Tensor input, Tensor target);
            public partial Tensor Step(Tensor input, Tensor target) => input;
        }
        """;

    private readonly string directory = Directory.CreateTempSubdirectory("clipgen-misuse-").FullName;

    [Fact]
    public void An_ambiguous_model_fails_the_build_with_CG1003_and_its_candidates_not_CS8795()
    {
        CommandResult build = Build(Program);

        Assert.True(build.ExitCode != 0, build.ToString());
        Assert.Contains("error CG1003: Several torch.nn.Module fields or properties in 'GanTrainer' ('generator', 'discriminator'): name one with Model = nameof(...)", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("CS8795", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("error CS", build.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_CG1001_and_CG1002_pages_examples_fail_the_build_with_their_own_errors_beside_the_compilers()
    {
        CommandResult build = Build(DeclarationMisuses);

        Assert.True(build.ExitCode != 0, build.ToString());
        // The nested type of CG1002's page: the compiler alone says only CS8795.
        Assert.Contains("Program.cs(16,49): error CG1002: 'Outer' contains the [ClipGradNorm] method 'Step' and must be declared 'partial'", build.Output, StringComparison.Ordinal);
        Assert.Contains("error CS8795", build.Output, StringComparison.Ordinal);
        // A non-partial top-level type: CS0751 + CS8795 from the compiler, CG1002 from ClipGen.
        Assert.Contains("Program.cs(26,45): error CG1002: 'PlainTrainer' contains the [ClipGradNorm] method 'Fit' and must be declared 'partial'", build.Output, StringComparison.Ordinal);
        Assert.Contains("error CS0751", build.Output, StringComparison.Ordinal);
        // CG1001's page: not partial, and a hand-written implementation part.
        Assert.Contains("Program.cs(36,19): error CG1001: 'TrainStep' is marked [ClipGradNorm] but is not declared 'partial'", build.Output, StringComparison.Ordinal);
        Assert.Contains("Program.cs(39,27): error CG1001: 'Step' is marked [ClipGradNorm] but already has an implementation", build.Output, StringComparison.Ordinal);
        // Each once (MSBuild repeats every error in its summary, hence the line count per build output line).
        Assert.Equal(2, Occurrences(build.Output, "error CG1002: 'Outer'"));
    }

    private static int Occurrences(string text, string value) =>
        text.Split('\n').Count(line => line.Contains(value, StringComparison.Ordinal));

    /// <summary>
    /// The referenced projects are already built (this test project references both): build only the user's
    /// project, restore only it, so the repository's obj/ and bin/ are never rewritten.
    /// </summary>
    private CommandResult Build(string program)
    {
        WriteProject(program);
        return DotNetCli.Run(directory, TimeSpan.FromMinutes(3),
            "build", "Misuse.csproj", "-c", RepositoryPaths.Configuration, "-nodeReuse:false",
            "-p:BuildProjectReferences=false", "-p:RestoreRecursive=false", "-p:UseSharedCompilation=false");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temporary folder is harmless
        }
    }

    /// <summary>A console project referencing ClipGen as samples/Directory.Build.props does, restored offline from the machine's packages.</summary>
    private void WriteProject(string program)
    {
        string root = RepositoryPaths.Root;
        string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string torchSharp = XDocument.Load(Path.Combine(root, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "TorchSharp")
            .Attribute("Version")!.Value;

        File.WriteAllText(Path.Combine(directory, "Misuse.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net{Environment.Version.ToString(2)}</TargetFramework>
                <Nullable>enable</Nullable>
                <UseAppHost>false</UseAppHost>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{Path.Combine(root, "src", "ClipGen.TorchSharp", "ClipGen.TorchSharp.csproj")}" />
                <ProjectReference Include="{Path.Combine(root, "analyzers", "ClipGen.Analyzers", "ClipGen.Analyzers.csproj")}"
                                  OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                <PackageReference Include="TorchSharp" Version="{torchSharp}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="machine-global-packages" value="{globalPackages}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
    }
}
