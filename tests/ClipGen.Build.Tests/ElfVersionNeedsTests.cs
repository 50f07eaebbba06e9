namespace ClipGen.Build.Tests;

/// <summary>The ELF edit behind the libstdc++ load fix, checked against binutils' readelf.</summary>
public class ElfVersionNeedsTests
{
    private const string Needed = "GLIBCXX_3.4"; // every C++ library built by g++ needs this base version

    [Fact]
    public void MarkWeak_sets_VER_FLG_WEAK_on_the_named_need_only()
    {
        string copy = TestElfLibrary.Instance.CopyToTemp();
        Assert.Equal("none", TestElfLibrary.ReadElfFlags(copy, Needed));
        byte[] image = File.ReadAllBytes(copy);
        byte[] before = (byte[])image.Clone();

        ElfPatchOutcome outcome = ElfVersionNeeds.MarkWeak(image, Needed, out string reason);

        Assert.Equal(ElfPatchOutcome.Patched, outcome);
        Assert.Contains(Needed, reason);
        int changed = Enumerable.Range(0, image.Length).Count(i => image[i] != before[i]);
        Assert.Equal(1, changed); // one byte: the low byte of vna_flags
        File.WriteAllBytes(copy, image);
        Assert.Equal("WEAK", TestElfLibrary.ReadElfFlags(copy, Needed));
    }

    [Fact]
    public void MarkWeak_is_idempotent()
    {
        byte[] image = TestElfLibrary.Instance.Bytes;
        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeeds.MarkWeak(image, Needed, out _));
        byte[] once = (byte[])image.Clone();

        Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfVersionNeeds.MarkWeak(image, Needed, out _));
        Assert.Equal(once, image);
        Assert.False(ElfVersionNeeds.NeedsStrongly(image, Needed));
    }

    [Fact]
    public void A_version_that_is_not_needed_is_reported_and_nothing_changes()
    {
        byte[] image = TestElfLibrary.Instance.Bytes;
        byte[] before = (byte[])image.Clone();

        Assert.Equal(ElfPatchOutcome.NotNeeded, ElfVersionNeeds.MarkWeak(image, "GLIBCXX_99.0", out _));
        Assert.Equal(before, image);
    }

    [Fact]
    public void NeedsStrongly_sees_the_needs_readelf_lists()
    {
        byte[] image = TestElfLibrary.Instance.Bytes;
        Assert.True(ElfVersionNeeds.NeedsStrongly(image, Needed));
        Assert.False(ElfVersionNeeds.NeedsStrongly(image, "GLIBCXX_99.0"));
    }

    [Fact]
    public void DefinesVersion_reads_the_version_definitions_of_libstdcxx()
    {
        string libstdcxx = TestElfLibrary.Run("g++", "-print-file-name=libstdc++.so.6").Trim();
        byte[] image = File.ReadAllBytes(Path.GetFullPath(libstdcxx));

        Assert.True(ElfVersionNeeds.DefinesVersion(image, "GLIBCXX_3.4", out _));
        Assert.False(ElfVersionNeeds.DefinesVersion(image, "GLIBCXX_99.0", out _));
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "not an ELF file")]
    [InlineData(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 1, 1, 1 }, "not an ELF file")]
    public void Short_or_foreign_files_are_invalid(byte[] image, string expected)
    {
        Assert.Equal(ElfPatchOutcome.Invalid, ElfVersionNeeds.MarkWeak(image, Needed, out string reason));
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void A_32_bit_ELF_is_invalid_and_untouched()
    {
        byte[] image = TestElfLibrary.Instance.Bytes;
        image[4] = 1; // EI_CLASS = ELFCLASS32
        byte[] before = (byte[])image.Clone();

        Assert.Equal(ElfPatchOutcome.Invalid, ElfVersionNeeds.MarkWeak(image, Needed, out string reason));
        Assert.Contains("64-bit", reason);
        Assert.Equal(before, image);
    }
}
