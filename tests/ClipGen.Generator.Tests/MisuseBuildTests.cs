using System.Xml.Linq;
using ClipGen.Testing;

namespace ClipGen.Generator.Tests;

/// <summary>
/// What a user sees when a train step is misused, through a real <c>dotnet build</c>: the CG100x error of
/// the usage analyzer. Before the generator wrote stubs, the missing implementation part (CS8795) was a
/// declaration error, after which csc runs no analyzer, so the build failed without saying why.
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

    private readonly string directory = Directory.CreateTempSubdirectory("clipgen-misuse-").FullName;

    [Fact]
    public void An_ambiguous_model_fails_the_build_with_CG1003_and_its_candidates_not_CS8795()
    {
        WriteProject();

        // The referenced projects are already built (this test project references both): build only the
        // user's project, restore only it, so the repository's obj/ and bin/ are never rewritten.
        CommandResult build = DotNetCli.Run(directory, TimeSpan.FromMinutes(3),
            "build", "Misuse.csproj", "-c", RepositoryPaths.Configuration, "-nodeReuse:false",
            "-p:BuildProjectReferences=false", "-p:RestoreRecursive=false", "-p:UseSharedCompilation=false");

        Assert.True(build.ExitCode != 0, build.ToString());
        Assert.Contains("error CG1003: Several torch.nn.Module fields or properties in 'GanTrainer' ('generator', 'discriminator'): name one with Model = nameof(...)", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("CS8795", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("error CS", build.Output, StringComparison.Ordinal);
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
    private void WriteProject()
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
        File.WriteAllText(Path.Combine(directory, "Program.cs"), Program);
    }
}
