namespace ClipGen.Build.Tests;

/// <summary>The file-level step the MSBuild task runs on each copy of libLibTorchSharp.so.</summary>
public class PatchFileTests
{
    private const string Needed = "GLIBCXX_3.4";

    [Fact]
    public void PatchFile_rewrites_the_copy_so_readelf_sees_a_weak_need()
    {
        string copy = TestElfLibrary.Instance.CopyToTemp();

        Assert.True(ClipGenWeakenGlibcxxNeed.PatchFile(copy, Needed, out string message), message);

        Assert.Equal("WEAK", TestElfLibrary.ReadElfFlags(copy, Needed));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(copy)!, "*.clipgen-tmp"));
    }

    [Fact]
    public void PatchFile_a_second_time_writes_nothing()
    {
        string copy = TestElfLibrary.Instance.CopyToTemp();
        Assert.True(ClipGenWeakenGlibcxxNeed.PatchFile(copy, Needed, out _));
        DateTime written = File.GetLastWriteTimeUtc(copy);

        Assert.False(ClipGenWeakenGlibcxxNeed.PatchFile(copy, Needed, out string message));
        Assert.Equal(string.Empty, message);
        Assert.Equal(written, File.GetLastWriteTimeUtc(copy));
    }

    [Fact]
    public void PatchFile_replaces_a_hard_link_instead_of_editing_through_it()
    {
        // The SDK may hard-link outputs to the NuGet cache; the cache copy must stay as shipped.
        string original = TestElfLibrary.Instance.CopyToTemp();
        string link = original + ".link.so";
        TestElfLibrary.Run("ln", $"{original} {link}");

        Assert.True(ClipGenWeakenGlibcxxNeed.PatchFile(link, Needed, out _));

        Assert.Equal("WEAK", TestElfLibrary.ReadElfFlags(link, Needed));
        Assert.Equal("none", TestElfLibrary.ReadElfFlags(original, Needed));
    }

    [Fact]
    public void PatchFile_on_a_non_ELF_file_writes_nothing_and_says_why()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, "not a library");

        Assert.False(ClipGenWeakenGlibcxxNeed.PatchFile(path, Needed, out string message));

        Assert.Equal("not an ELF file", message);
        Assert.Equal("not a library", File.ReadAllText(path));
    }

    [Fact]
    public void PatchFile_on_a_missing_file_says_it_cannot_read_it()
    {
        Assert.False(ClipGenWeakenGlibcxxNeed.PatchFile("/nonexistent/libLibTorchSharp.so", Needed, out string message));
        Assert.StartsWith("cannot read it", message);
    }
}
