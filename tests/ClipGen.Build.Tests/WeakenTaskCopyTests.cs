using System.Xml.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ClipGen.Build.Tests;

/// <summary>The task's copy mode (ClipGen.targets' fixed copies under obj/): source in, destination out.</summary>
public class WeakenTaskCopyTests
{
    private const string Need = ElfSamples.TorchSharpNeed;

    private static (ClipGenWeakenGlibcxxNeed Task, FakeBuildEngine Engine) Create(string mode, string output, string source, string destination)
    {
        var engine = new FakeBuildEngine();
        var task = new ClipGenWeakenGlibcxxNeed
        {
            BuildEngine = engine,
            Files = [new TaskItem(source)],
            DestinationFiles = [new TaskItem(destination)],
            Mode = mode,
            OutputDirectory = output,
        };
        return (task, engine);
    }

    [Fact]
    public void The_destination_gets_the_patched_copy_and_the_source_is_never_written()
    {
        Assert.NotNull(ElfSamples.RealLibTorchSharp);
        using var folder = new TempFolder();
        string source = folder.Copy(ElfSamples.RealLibTorchSharp!);
        byte[] before = File.ReadAllBytes(source);
        string destination = Path.Combine(folder.Path, "obj/runtimes/linux-x64/native/libLibTorchSharp.so");
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create("always", Path.Combine(folder.Path, "obj"), source, destination);

        Assert.True(task.Execute());

        Assert.Equal(destination, Assert.Single(task.PatchedFiles).ItemSpec);
        Assert.Empty(engine.Warnings);
        Assert.Equal(before, File.ReadAllBytes(source));
        Assert.Equal("WEAK", TestElfLibrary.ReadElfFlags(destination, Need));
        Assert.Equal(File.GetUnixFileMode(source), File.GetUnixFileMode(destination));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(destination)!, "*.clipgen-tmp"));
    }

    [Fact]
    public void When_this_machine_needs_no_fix_the_destination_is_an_unchanged_copy()
    {
        using var folder = new TempFolder();
        string source = folder.Copy(TestElfLibrary.Instance.Path_);
        string destination = Path.Combine(folder.Path, "obj/libLibTorchSharp.so");
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create("auto", Path.Combine(folder.Path, "obj"), source, destination);
        task.VersionName = "GLIBCXX_3.4";
        task.LibStdCxxPath = Path.GetFullPath(TestElfLibrary.Run("g++", "-print-file-name=libstdc++.so.6").Trim());

        Assert.True(task.Execute());

        Assert.Empty(task.PatchedFiles);
        Assert.Empty(engine.Warnings);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(destination));
    }

    [Fact]
    public void A_damaged_source_deletes_a_stale_destination_and_warns_naming_the_source()
    {
        using var folder = new TempFolder();
        string source = Path.Combine(folder.Path, "libLibTorchSharp.so");
        File.WriteAllText(source, "damaged");
        string destination = Path.Combine(folder.Path, "obj/libLibTorchSharp.so");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        File.WriteAllText(destination, "stale fixed copy of an older package");
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create("always", Path.Combine(folder.Path, "obj"), source, destination);

        Assert.True(task.Execute());

        Assert.False(File.Exists(destination));
        Assert.Equal("damaged", File.ReadAllText(source));
        BuildWarningEventArgs warning = Assert.Single(engine.Warnings);
        Assert.Equal(ClipGenWeakenGlibcxxNeed.FileWarningCode, warning.Code);
        Assert.Contains(source, warning.Message, StringComparison.Ordinal);
        Assert.Contains("not an ELF file", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_destination_outside_the_output_folder_is_refused()
    {
        Assert.NotNull(ElfSamples.RealLibTorchSharp);
        using var folder = new TempFolder();
        string source = folder.Copy(ElfSamples.RealLibTorchSharp!);
        string destination = Path.Combine(folder.Path, "elsewhere/libLibTorchSharp.so");
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create("always", Path.Combine(folder.Path, "obj"), source, destination);

        Assert.True(task.Execute());

        Assert.False(File.Exists(destination));
        Assert.Contains("outside the output folder", Assert.Single(engine.Warnings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Destinations_that_do_not_match_the_files_are_a_settings_warning_and_nothing_is_written()
    {
        using var folder = new TempFolder();
        string source = folder.Copy(TestElfLibrary.Instance.Path_);
        var engine = new FakeBuildEngine();
        var task = new ClipGenWeakenGlibcxxNeed
        {
            BuildEngine = engine,
            Files = [new TaskItem(source)],
            DestinationFiles = [new TaskItem(Path.Combine(folder.Path, "a.so")), new TaskItem(Path.Combine(folder.Path, "b.so"))],
            Mode = "always",
        };

        Assert.True(task.Execute());

        Assert.Equal(ClipGenWeakenGlibcxxNeed.SettingsWarningCode, Assert.Single(engine.Warnings).Code);
        Assert.Equal(["libLibTorchSharp.so"], folder.Names());
    }

    [Fact]
    public void The_targets_watch_the_same_libstdcxx_folders_the_task_searches()
    {
        string targets = ClipGenTargetsFile.Path;
        XNamespace ns = XDocument.Load(targets).Root!.Name.Namespace;
        string folders = XDocument.Load(targets).Descendants(ns + "_ClipGenLibStdCxxFolder").Single().Attribute("Include")!.Value;

        Assert.Equal(ClipGenWeakenGlibcxxNeed.LibraryFolders, folders.Split(';'));
    }
}
