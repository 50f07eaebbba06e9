using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ClipGen.Build.Tests;

/// <summary>The MSBuild task as MSBuild runs it, with a fake engine that records its log.</summary>
public class WeakenTaskTests
{
    private const string Compiled = "GLIBCXX_3.4";

    private static (ClipGenWeakenGlibcxxNeed Task, FakeBuildEngine Engine) Create(string version, string mode, string outputDirectory, params string[] files)
    {
        var engine = new FakeBuildEngine();
        var task = new ClipGenWeakenGlibcxxNeed
        {
            BuildEngine = engine,
            Files = files.Select(f => (ITaskItem)new TaskItem(f)).ToArray(),
            VersionName = version,
            Mode = mode,
            OutputDirectory = outputDirectory,
        };
        return (task, engine);
    }

    [Fact]
    public void Mode_always_patches_the_real_library_and_says_so()
    {
        Assert.NotNull(ElfSamples.RealLibTorchSharp);
        using var folder = new TempFolder();
        string path = folder.Copy(ElfSamples.RealLibTorchSharp!);
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create(ElfSamples.TorchSharpNeed, "always", folder.Path, path);

        Assert.True(task.Execute());

        Assert.Equal(path, Assert.Single(task.PatchedFiles).ItemSpec);
        Assert.Empty(engine.Warnings);
        Assert.Contains(engine.Messages, m => m.Importance == MessageImportance.High && m.Message!.Contains("patched " + path, StringComparison.Ordinal));
        Assert.Equal("WEAK", TestElfLibrary.ReadElfFlags(path, ElfSamples.TorchSharpNeed));
    }

    [Theory]
    [InlineData("false")]
    [InlineData("FALSE")]
    public void The_opt_out_writes_nothing(string mode)
    {
        using var folder = new TempFolder();
        string path = folder.Copy(TestElfLibrary.Instance.Path_);
        byte[] before = File.ReadAllBytes(path);
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create(Compiled, mode, folder.Path, path);

        Assert.True(task.Execute());

        Assert.Empty(task.PatchedFiles);
        Assert.Empty(engine.Warnings);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Mode_auto_leaves_the_file_alone_when_libstdcxx_defines_the_version()
    {
        using var folder = new TempFolder();
        string path = folder.Copy(TestElfLibrary.Instance.Path_);
        byte[] before = File.ReadAllBytes(path);
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create(Compiled, "auto", folder.Path, path);
        task.LibStdCxxPath = Path.GetFullPath(TestElfLibrary.Run("g++", "-print-file-name=libstdc++.so.6").Trim());

        Assert.True(task.Execute());

        Assert.Empty(task.PatchedFiles);
        Assert.Empty(engine.Warnings);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Mode_auto_patches_when_libstdcxx_lacks_the_version()
    {
        using var folder = new TempFolder();
        string path = folder.Copy(TestElfLibrary.Instance.Path_);
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create(Compiled, "auto", folder.Path, path);
        task.LibStdCxxPath = TestElfLibrary.Instance.Path_; // a library that defines no versions at all

        Assert.True(task.Execute());

        Assert.Single(task.PatchedFiles);
        Assert.Empty(engine.Warnings);
        Assert.Equal("WEAK", TestElfLibrary.ReadElfFlags(path, Compiled));
    }

    [Fact]
    public void Files_it_cannot_patch_each_get_a_warning_that_names_them_and_says_why_and_the_build_goes_on()
    {
        using var folder = new TempFolder();
        string text = Path.Combine(folder.Path, "text.so");
        File.WriteAllText(text, "not a library");
        string narrow = folder.Copy(TestElfLibrary.Instance.Path_, "narrow.so");
        byte[] image = File.ReadAllBytes(narrow);
        image[4] = 1;
        File.WriteAllBytes(narrow, image);
        string readOnly = folder.Copy(TestElfLibrary.Instance.Path_, "readonly.so");
        File.SetAttributes(readOnly, FileAttributes.ReadOnly);
        string missing = Path.Combine(folder.Path, "missing.so");
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create(Compiled, "always", folder.Path, text, narrow, readOnly, missing);

        Assert.True(task.Execute());

        Assert.Empty(task.PatchedFiles);
        Assert.Empty(engine.Errors);
        Assert.Equal(4, engine.Warnings.Count);
        Assert.All(engine.Warnings, w => Assert.Equal(ClipGenWeakenGlibcxxNeed.FileWarningCode, w.Code));
        Assert.Contains("not an ELF file", engine.Warnings[0].Message);
        Assert.Contains("64-bit", engine.Warnings[1].Message);
        Assert.Contains("read-only", engine.Warnings[2].Message);
        Assert.Contains("cannot read it", engine.Warnings[3].Message);
        Assert.Equal(new[] { text, narrow, readOnly, missing }, engine.Warnings.Select(w => w.File));
    }

    [Fact]
    public void An_already_patched_file_is_a_message_not_a_warning_and_is_not_rewritten()
    {
        using var folder = new TempFolder();
        string path = folder.Copy(TestElfLibrary.Instance.Path_);
        Assert.True(ClipGenWeakenGlibcxxNeed.PatchFile(path, Compiled, out _));
        DateTime stamp = new(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create(Compiled, "always", folder.Path, path);

        Assert.True(task.Execute());

        Assert.Empty(task.PatchedFiles);
        Assert.Empty(engine.Warnings);
        Assert.Contains(engine.Messages, m => m.Message!.Contains("already patched", StringComparison.Ordinal));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void A_file_outside_the_output_folder_is_never_written()
    {
        using var folder = new TempFolder();
        string output = Path.Combine(folder.Path, "bin");
        string sibling = Path.Combine(folder.Path, "bin-other"); // its name starts with the output folder's name
        Directory.CreateDirectory(output);
        Directory.CreateDirectory(sibling);
        string path = Path.Combine(sibling, "libLibTorchSharp.so");
        File.Copy(TestElfLibrary.Instance.Path_, path);
        byte[] before = File.ReadAllBytes(path);
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create(Compiled, "always", output, path);

        Assert.True(task.Execute());

        Assert.Empty(task.PatchedFiles);
        Assert.Contains("outside the output folder", Assert.Single(engine.Warnings).Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void An_unknown_mode_is_a_settings_warning_and_acts_as_auto()
    {
        using var folder = new TempFolder();
        string path = folder.Copy(TestElfLibrary.Instance.Path_);
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create(Compiled, "yes-please", folder.Path, path);
        task.LibStdCxxPath = Path.GetFullPath(TestElfLibrary.Run("g++", "-print-file-name=libstdc++.so.6").Trim());

        Assert.True(task.Execute());

        Assert.Equal(ClipGenWeakenGlibcxxNeed.SettingsWarningCode, Assert.Single(engine.Warnings).Code);
        Assert.Empty(task.PatchedFiles); // auto: that libstdc++ defines GLIBCXX_3.4
    }

    [Fact]
    public void A_missing_explicit_libstdcxx_is_a_settings_warning_and_nothing_is_patched()
    {
        using var folder = new TempFolder();
        string path = folder.Copy(TestElfLibrary.Instance.Path_);
        byte[] before = File.ReadAllBytes(path);
        (ClipGenWeakenGlibcxxNeed task, FakeBuildEngine engine) = Create(Compiled, "auto", folder.Path, path);
        task.LibStdCxxPath = "/nonexistent/libstdc++.so.6";

        Assert.True(task.Execute());

        Assert.Contains("/nonexistent/libstdc++.so.6", Assert.Single(engine.Warnings).Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }
}
