// The libstdc++ load fix for TorchSharp 0.107 on Linux distributions older than GCC 13
// (Debian 12, Ubuntu 22.04, RHEL 9).
//
// Why: libLibTorchSharp.so 0.107 records a version need on GLIBCXX_3.4.32 for a single symbol,
// std::ios_base_library_init, which it references but never calls. glibc refuses to load a library
// whose *non-weak* version needs are unmet, so TorchSharp fails with DllNotFoundException even though
// nothing would ever call that symbol. Setting VER_FLG_WEAK (0x2) in that Vernaux entry's vna_flags
// turns the failure into a tolerated miss, and libtorch then runs normally.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory (ClipGen.targets, shipped under
// buildTransitive/) and by the unit tests, so it targets what that factory offers (netstandard,
// Microsoft.Build.Utilities) and nothing newer.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ClipGen.Build
{
    /// <summary>What <see cref="ElfVersionNeeds.MarkWeak"/> found or did.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The version need was found and its VER_FLG_WEAK bit set in the buffer (one byte changed).</summary>
        Patched,
        /// <summary>The version need is already weak: nothing to do.</summary>
        AlreadyWeak,
        /// <summary>The file is a valid ELF64 library that does not need that version.</summary>
        NotNeeded,
        /// <summary>The file is not a little-endian ELF64 image we can edit safely; see the reason.</summary>
        Invalid,
    }

    /// <summary>Reads and edits the GNU symbol-versioning sections of a little-endian ELF64 image.</summary>
    /// <remarks>
    /// Every offset is checked against the buffer before it is read, and the one written is checked
    /// against everything the dynamic loader will read: the .gnu.version_r section must be the one
    /// DT_VERNEED names, lie inside a PT_LOAD segment at the matching file offset, and hold exactly one
    /// entry for the version, whose vna_hash matches its name. Anything else yields
    /// <see cref="ElfPatchOutcome.Invalid"/> with a reason and leaves the buffer untouched.
    /// </remarks>
    public static class ElfVersionNeeds
    {
        private const uint ShtStrtab = 3;
        private const uint ShtDynamic = 6;
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const uint PtLoad = 1;
        private const long DtNull = 0;
        private const long DtStrtab = 5;
        private const long DtVerneed = 0x6ffffffe;
        private const long DtVerneedNum = 0x6fffffff;
        private const ushort VerFlgWeak = 0x2;

        // Bounds the total work on corrupted vn_next/vna_next chains (every entry visited counts once,
        // across both nested loops), so a crafted file cannot make the walk quadratic.
        private const int MaxEntries = 1 << 16;

        /// <summary>Sets VER_FLG_WEAK on the Vernaux entry naming <paramref name="versionName"/>.</summary>
        public static ElfPatchOutcome MarkWeak(byte[] image, string versionName, out string reason)
        {
            ElfPatchOutcome outcome = FindNeed(image, versionName, out long flagsOffset, out reason);
            if (outcome != ElfPatchOutcome.Patched)
            {
                return outcome;
            }

            // FindNeed proved flagsOffset + 2 lies inside .gnu.version_r, inside the image.
            image[flagsOffset] = (byte)(image[flagsOffset] | VerFlgWeak);
            reason = "marked the " + versionName + " version need weak";
            return ElfPatchOutcome.Patched;
        }

        /// <summary>Whether the image needs <paramref name="versionName"/> with the weak flag clear.</summary>
        public static bool NeedsStrongly(byte[] image, string versionName) =>
            FindNeed(image, versionName, out _, out _) == ElfPatchOutcome.Patched;

        /// <summary>
        /// Locates the vna_flags field of the need on <paramref name="versionName"/> without changing the
        /// image. Returns <see cref="ElfPatchOutcome.Patched"/> when that need is present and strong (so
        /// <see cref="MarkWeak"/> would patch the byte at <paramref name="flagsOffset"/>), otherwise what
        /// <see cref="MarkWeak"/> would return, with <paramref name="flagsOffset"/> = -1 unless AlreadyWeak.
        /// </summary>
        public static ElfPatchOutcome FindNeed(byte[] image, string versionName, out long flagsOffset, out string reason)
        {
            flagsOffset = -1;
            if (!TryReadLayout(image, out Layout layout, out reason))
            {
                return ElfPatchOutcome.Invalid;
            }

            if (!TryFindSection(image, layout, ShtGnuVerneed, out Section verneed, out reason))
            {
                return reason.Length == 0 ? NotNeeded(versionName, "has no version needs", out reason) : ElfPatchOutcome.Invalid;
            }

            if (!TryLinkedStringTable(image, layout, verneed, out Section strtab, out reason)
                || !TryCheckLoaderView(image, layout, verneed, strtab, out long dynamicCount, out reason))
            {
                return ElfPatchOutcome.Invalid;
            }

            long end = verneed.Offset + verneed.Size;
            long entry = verneed.Offset;
            int visited = 0;
            long needCount = 0;
            while (true)
            {
                // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
                if (++visited > MaxEntries)
                {
                    return Invalid("too many version needs", out reason);
                }

                if (entry + 16 > end)
                {
                    return Invalid("a version need lies outside .gnu.version_r", out reason);
                }

                if (ReadU16(image, entry) != 1)
                {
                    return Invalid("a version need has an unknown vn_version", out reason);
                }

                needCount++;
                ushort count = ReadU16(image, entry + 2);
                if (count == 0)
                {
                    return Invalid("a version need has no entries", out reason);
                }

                long aux = entry + ReadU32(image, entry + 8);
                for (int j = 0; j < count; j++)
                {
                    // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                    if (++visited > MaxEntries)
                    {
                        return Invalid("too many version need entries", out reason);
                    }

                    if (aux < verneed.Offset || aux + 16 > end)
                    {
                        return Invalid("a version need entry lies outside .gnu.version_r", out reason);
                    }

                    if (!TryReadString(image, strtab, ReadU32(image, aux + 8), out string name))
                    {
                        return Invalid("a version name lies outside the dynamic string table", out reason);
                    }

                    // The loader matches needs by hash and name; a mismatch means a damaged name or entry.
                    if (ReadU32(image, aux) != ElfHash(name))
                    {
                        return Invalid("the need on " + name + " has a wrong vna_hash (corrupted file)", out reason);
                    }

                    if (name == versionName)
                    {
                        if (flagsOffset >= 0)
                        {
                            return Invalid(versionName + " is needed more than once", out reason);
                        }

                        flagsOffset = aux + 4;
                    }

                    // The loader follows vna_next until it is 0 while readelf trusts vn_cnt: a file where
                    // the two disagree is corrupted, and its loader view is not what we just read.
                    uint nextAux = ReadU32(image, aux + 12);
                    if ((nextAux == 0) != (j == count - 1))
                    {
                        return Invalid("a version need's vn_cnt disagrees with its vna_next chain", out reason);
                    }

                    aux += nextAux;
                }

                uint next = ReadU32(image, entry + 12);
                if (next == 0)
                {
                    break;
                }

                entry += next;
            }

            if (dynamicCount >= 0 && dynamicCount != needCount)
            {
                flagsOffset = -1;
                return Invalid("DT_VERNEEDNUM disagrees with .gnu.version_r", out reason);
            }

            if (flagsOffset < 0)
            {
                return NotNeeded(versionName, "is not needed", out reason);
            }

            if ((ReadU16(image, flagsOffset) & VerFlgWeak) != 0)
            {
                reason = versionName + " is already marked weak";
                return ElfPatchOutcome.AlreadyWeak;
            }

            reason = versionName + " is needed and not weak";
            return ElfPatchOutcome.Patched;
        }

        /// <summary>Whether the image (a shared library such as libstdc++.so.6) defines <paramref name="versionName"/>.</summary>
        public static bool DefinesVersion(byte[] image, string versionName, out string reason)
        {
            if (!TryReadLayout(image, out Layout layout, out reason))
            {
                return false;
            }

            if (!TryFindSection(image, layout, ShtGnuVerdef, out Section verdef, out reason))
            {
                if (reason.Length == 0)
                {
                    reason = "the library defines no versions";
                }

                return false;
            }

            if (!TryLinkedStringTable(image, layout, verdef, out Section strtab, out reason))
            {
                return false;
            }

            long end = verdef.Offset + verdef.Size;
            long entry = verdef.Offset;
            for (int i = 0; i < MaxEntries; i++)
            {
                // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32
                if (entry + 20 > end)
                {
                    reason = "a version definition lies outside .gnu.version_d";
                    return false;
                }

                // Elf64_Verdaux: vda_name u32, vda_next u32. The first one names the version.
                long auxEntry = entry + ReadU32(image, entry + 12);
                if (auxEntry + 8 <= end
                    && TryReadString(image, strtab, ReadU32(image, auxEntry), out string name)
                    && name == versionName)
                {
                    reason = versionName + " is defined";
                    return true;
                }

                uint next = ReadU32(image, entry + 16);
                if (next == 0)
                {
                    reason = versionName + " is not defined";
                    return false;
                }

                entry += next;
            }

            reason = "too many version definitions";
            return false;
        }

        /// <summary>The System V ELF hash the loader compares vna_hash with.</summary>
        public static uint ElfHash(string name)
        {
            uint h = 0;
            foreach (char c in name)
            {
                h = (h << 4) + (byte)c;
                uint g = h & 0xf0000000;
                if (g != 0)
                {
                    h ^= g >> 24;
                }

                h &= ~g;
            }

            return h;
        }

        private static ElfPatchOutcome Invalid(string why, out string reason)
        {
            reason = why;
            return ElfPatchOutcome.Invalid;
        }

        private static ElfPatchOutcome NotNeeded(string versionName, string why, out string reason)
        {
            reason = versionName + " " + why;
            return ElfPatchOutcome.NotNeeded;
        }

        private struct Layout
        {
            public long SectionHeaders;
            public int SectionCount;
            public long ProgramHeaders;
            public int ProgramCount;
        }

        private struct Section
        {
            public long Offset;
            public long Size;
            public ulong Address;
            public uint Link;
        }

        private static bool TryReadLayout(byte[] image, out Layout layout, out string reason)
        {
            layout = default;
            if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
            {
                reason = "not an ELF file";
                return false;
            }

            if (image[4] != 2)
            {
                reason = "not a 64-bit ELF file (EI_CLASS " + image[4] + ")";
                return false;
            }

            if (image[5] != 1)
            {
                reason = "not a little-endian ELF file (EI_DATA " + image[5] + ")";
                return false;
            }

            ushort type = ReadU16(image, 16);
            if (image[6] != 1 || ReadU32(image, 20) != 1 || (type != 2 && type != 3))
            {
                reason = "not an ELF executable or shared library (corrupted header)";
                return false;
            }

            ulong phoff = ReadU64(image, 32);
            ulong shoff = ReadU64(image, 40);
            ushort phentsize = ReadU16(image, 54);
            ushort phnum = ReadU16(image, 56);
            ushort shentsize = ReadU16(image, 58);
            ushort shnum = ReadU16(image, 60);
            if (shoff == 0 || shnum == 0)
            {
                reason = "the file has no section headers";
                return false;
            }

            if (shentsize != 64 || shoff < 64 || !Within(image, shoff, (ulong)shnum * 64))
            {
                reason = "the section header table lies outside the file";
                return false;
            }

            // Section 0 is always SHT_NULL and e_shstrndx names a string table: a moved or damaged
            // table fails this, rather than reading as a valid file without version sections.
            ushort shstrndx = ReadU16(image, 62);
            long nullHeader = (long)shoff;
            if (ReadU32(image, nullHeader + 4) != 0 || ReadU64(image, nullHeader + 24) != 0 || ReadU64(image, nullHeader + 32) != 0
                || shstrndx == 0 || shstrndx >= shnum || ReadU32(image, nullHeader + (long)shstrndx * 64 + 4) != ShtStrtab)
            {
                reason = "the section header table is corrupted";
                return false;
            }

            if (phnum == 0 || phentsize != 56 || phoff < 64 || !Within(image, phoff, (ulong)phnum * 56))
            {
                reason = "the program header table lies outside the file";
                return false;
            }

            layout.SectionHeaders = (long)shoff;
            layout.SectionCount = shnum;
            layout.ProgramHeaders = (long)phoff;
            layout.ProgramCount = phnum;
            reason = string.Empty;
            return true;
        }

        // Finds the only section of the given type. An empty reason with a false result means
        // "valid ELF64, no such section".
        private static bool TryFindSection(byte[] image, Layout layout, uint type, out Section section, out string reason)
        {
            section = default;
            bool found = false;
            for (int i = 0; i < layout.SectionCount; i++)
            {
                long header = layout.SectionHeaders + (long)i * 64;
                if (ReadU32(image, header + 4) != type)
                {
                    continue;
                }

                if (found)
                {
                    reason = "the file has two sections of type 0x" + type.ToString("x");
                    return false;
                }

                if (!TryReadSection(image, header, out section))
                {
                    reason = "a section lies outside the file";
                    return false;
                }

                found = true;
            }

            reason = string.Empty;
            return found;
        }

        private static bool TryLinkedStringTable(byte[] image, Layout layout, Section section, out Section strtab, out string reason)
        {
            strtab = default;
            long header = layout.SectionHeaders + (long)section.Link * 64;
            if (section.Link == 0 || section.Link >= layout.SectionCount
                || ReadU32(image, header + 4) != ShtStrtab || !TryReadSection(image, header, out strtab))
            {
                reason = "the versioning section links to a missing string table";
                return false;
            }

            reason = string.Empty;
            return true;
        }

        // The dynamic loader never reads section headers: it finds the version needs through DT_VERNEED
        // and the PT_LOAD segments. Editing the bytes the section headers point at is only right when
        // both views agree, which a corrupted file need not satisfy. Returns DT_VERNEEDNUM, or -1.
        private static bool TryCheckLoaderView(byte[] image, Layout layout, Section verneed, Section strtab, out long neededCount, out string reason)
        {
            neededCount = -1;
            if (!TryFindSection(image, layout, ShtDynamic, out Section dynamic, out reason))
            {
                if (reason.Length == 0)
                {
                    reason = "the file has no dynamic section";
                }

                return false;
            }

            ulong verneedAddress = 0;
            ulong strtabAddress = 0;
            bool sawVerneed = false;
            bool sawStrtab = false;
            for (long entry = dynamic.Offset; entry + 16 <= dynamic.Offset + dynamic.Size; entry += 16)
            {
                long tag = (long)ReadU64(image, entry);
                ulong value = ReadU64(image, entry + 8);
                if (tag == DtNull)
                {
                    break;
                }

                if (tag == DtVerneed)
                {
                    verneedAddress = value;
                    sawVerneed = true;
                }
                else if (tag == DtVerneedNum)
                {
                    neededCount = value > int.MaxValue ? int.MaxValue : (long)value;
                }
                else if (tag == DtStrtab)
                {
                    strtabAddress = value;
                    sawStrtab = true;
                }
            }

            if (!sawVerneed || verneedAddress != verneed.Address)
            {
                reason = "DT_VERNEED does not point at .gnu.version_r";
                return false;
            }

            if (!sawStrtab || strtabAddress != strtab.Address)
            {
                reason = "DT_STRTAB does not point at the version names' string table";
                return false;
            }

            if (!IsLoadedAt(image, layout, verneed) || !IsLoadedAt(image, layout, strtab))
            {
                reason = "the version sections are not where the loader maps them";
                return false;
            }

            reason = string.Empty;
            return true;
        }

        // Whether a PT_LOAD segment maps the section's file bytes at the section's address.
        private static bool IsLoadedAt(byte[] image, Layout layout, Section section)
        {
            for (int i = 0; i < layout.ProgramCount; i++)
            {
                long header = layout.ProgramHeaders + (long)i * 56;
                if (ReadU32(image, header) != PtLoad)
                {
                    continue;
                }

                // Elf64_Phdr: p_type u32, p_flags u32, p_offset u64, p_vaddr u64, p_paddr u64, p_filesz u64, ...
                ulong offset = ReadU64(image, header + 8);
                ulong vaddr = ReadU64(image, header + 16);
                ulong filesz = ReadU64(image, header + 32);
                if (section.Address >= vaddr && section.Address - vaddr <= filesz
                    && (ulong)section.Size <= filesz - (section.Address - vaddr)
                    && offset <= ulong.MaxValue - (section.Address - vaddr)
                    && offset + (section.Address - vaddr) == (ulong)section.Offset)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool TryReadSection(byte[] image, long header, out Section section)
        {
            // Elf64_Shdr: sh_name u32, sh_type u32, sh_flags u64, sh_addr u64, sh_offset u64, sh_size u64, sh_link u32, ...
            ulong offset = ReadU64(image, header + 24);
            ulong size = ReadU64(image, header + 32);
            section = default;
            if (!Within(image, offset, size))
            {
                return false;
            }

            section.Offset = (long)offset;
            section.Size = (long)size;
            section.Address = ReadU64(image, header + 16);
            section.Link = ReadU32(image, header + 40);
            return true;
        }

        private static bool TryReadString(byte[] image, Section strtab, uint offset, out string value)
        {
            value = string.Empty;
            if (offset >= strtab.Size)
            {
                return false;
            }

            long start = strtab.Offset + offset;
            long end = start;
            long limit = strtab.Offset + strtab.Size;
            while (end < limit && image[end] != 0)
            {
                end++;
            }

            if (end == limit)
            {
                return false;
            }

            value = Encoding.ASCII.GetString(image, (int)start, (int)(end - start));
            return true;
        }

        private static bool Within(byte[] image, ulong offset, ulong length) =>
            offset <= (ulong)image.Length && length <= (ulong)image.Length - offset;

        private static ushort ReadU16(byte[] b, long o) => (ushort)(b[o] | (b[o + 1] << 8));

        private static uint ReadU32(byte[] b, long o) =>
            (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));

        private static ulong ReadU64(byte[] b, long o) => ReadU32(b, o) | ((ulong)ReadU32(b, o + 4) << 32);
    }

    /// <summary>What <see cref="ClipGenWeakenGlibcxxNeed.Patch"/> did to one file.</summary>
    public enum FilePatchResult
    {
        /// <summary>The file was replaced by a patched copy.</summary>
        Patched,
        /// <summary>The need was already weak; the file was not touched.</summary>
        AlreadyWeak,
        /// <summary>The file does not need the version, or this machine does not need the fix; in place, it was not touched (a separate destination gets an unchanged copy).</summary>
        NotNeeded,
        /// <summary>The file could not be patched safely (see the message); it was not touched.</summary>
        Failed,
    }

    /// <summary>
    /// MSBuild task: in each given copy of libLibTorchSharp.so, marks the GLIBCXX_3.4.32 need weak when
    /// the machine's libstdc++ does not define that version, either in place (publish output) or into a
    /// separate destination (ClipGen.targets' fixed copy under obj/, which the build then copies to the
    /// output instead of the NuGet cache's file). Writes a temporary file and renames it over the target,
    /// so a failure never leaves a half-written library and a hard link into the NuGet cache is replaced
    /// rather than edited. Never fails the build: a file it cannot patch safely is left as it is, with a
    /// warning.
    /// </summary>
    public sealed class ClipGenWeakenGlibcxxNeed : Microsoft.Build.Utilities.Task
    {
        /// <summary>The code of the warning about a file that could not be patched.</summary>
        public const string FileWarningCode = "CLIPGEN001";

        /// <summary>The code of the warning about the task's settings.</summary>
        public const string SettingsWarningCode = "CLIPGEN002";

        private const string TempSuffix = ".clipgen-tmp";

        /// <summary>
        /// The libLibTorchSharp.so files to fix: edited in place, or, when <see cref="DestinationFiles"/> is
        /// set, read and written to the destination at the same index (they are then never written).
        /// </summary>
        [Required]
        public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>
        /// Optional: where the fixed copy of each of <see cref="Files"/> goes (same length). Every
        /// destination is written, patched or (when this machine does not need the fix) as an unchanged
        /// copy, so MSBuild can treat them as up-to-date outputs; one that cannot be made is deleted.
        /// </summary>
        public ITaskItem[] DestinationFiles { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>The version need to weaken.</summary>
        public string VersionName { get; set; } = "GLIBCXX_3.4.32";

        /// <summary><c>auto</c> (patch only when the machine's libstdc++ lacks the version), <c>always</c>, or <c>false</c>.</summary>
        public string Mode { get; set; } = "auto";

        /// <summary>Optional explicit path of the libstdc++ to check (else the usual library folders).</summary>
        public string LibStdCxxPath { get; set; } = string.Empty;

        /// <summary>When set, files outside this folder (the build or publish output) are never written.</summary>
        public string OutputDirectory { get; set; } = string.Empty;

        /// <summary>The files that were patched by this run.</summary>
        [Output]
        public ITaskItem[] PatchedFiles { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>
        /// The folders searched for libstdc++.so.6, in order. ClipGen.targets lists the same folders as
        /// inputs of its up-to-date check (a test keeps the two lists equal).
        /// </summary>
        public static IReadOnlyList<string> LibraryFolders { get; } = new[]
        {
            "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64",
            "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib", "/lib",
        };

        /// <inheritdoc />
        public override bool Execute()
        {
            string mode = (Mode ?? string.Empty).Trim();
            if (string.Equals(mode, "false", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            bool always = string.Equals(mode, "always", StringComparison.OrdinalIgnoreCase);
            if (!always && mode.Length > 0 && !string.Equals(mode, "auto", StringComparison.OrdinalIgnoreCase))
            {
                Log.LogWarning(null, SettingsWarningCode, null, null, 0, 0, 0, 0,
                    "ClipGen: ClipGenPatchLibTorchSharp='{0}' is not one of auto, always, false; using auto.", mode);
            }

            ITaskItem[] files = Files ?? Array.Empty<ITaskItem>();
            ITaskItem[] destinations = DestinationFiles ?? Array.Empty<ITaskItem>();
            if (destinations.Length > 0 && destinations.Length != files.Length)
            {
                Log.LogWarning(null, SettingsWarningCode, null, null, 0, 0, 0, 0,
                    "ClipGen: {0} DestinationFiles for {1} Files; the libstdc++ load fix is skipped.", destinations.Length, files.Length);
                return true;
            }

            bool patch = always || !SystemDefinesVersion();
            if (!patch && destinations.Length == 0)
            {
                return true;
            }

            var patched = new List<ITaskItem>();
            for (int i = 0; i < files.Length; i++)
            {
                string source = files[i].GetMetadata("FullPath");
                string path = destinations.Length > 0 ? destinations[i].GetMetadata("FullPath") : source;
                bool inPlace = string.Equals(source, path, StringComparison.Ordinal);
                string copyOf = inPlace ? string.Empty : " (a copy of " + source + ")";
                FilePatchResult result;
                string message;
                try
                {
                    result = IsInsideOutput(path)
                        ? PatchTo(source, path, VersionName, patch, out message)
                        : Refuse("it is outside the output folder " + OutputDirectory, out message);
                }
                catch (Exception e)
                {
                    // A best-effort build step must not crash the build; PatchTo wrote nothing or renamed atomically.
                    result = FilePatchResult.Failed;
                    message = "unexpected " + e.GetType().Name + ": " + e.Message;
                }

                switch (result)
                {
                    case FilePatchResult.Patched:
                        Log.LogMessage(MessageImportance.High,
                            "ClipGen: patched {0}{1}: {2} (this machine's libstdc++ lacks it; TorchSharp would not load otherwise). Set ClipGenPatchLibTorchSharp=false to opt out.",
                            path, copyOf, message);
                        patched.Add(inPlace ? files[i] : destinations[i]);
                        break;
                    case FilePatchResult.AlreadyWeak:
                        // Benign (e.g. a publish after a build into the same folder): a message, not a warning,
                        // so builds with -warnaserror keep working.
                        Log.LogMessage(MessageImportance.High, "ClipGen: {0}{1} is already patched ({2}); left unchanged.", path, copyOf, message);
                        break;
                    case FilePatchResult.NotNeeded:
                        Log.LogMessage(MessageImportance.Normal, "ClipGen: {0}{1}: {2}; left unchanged.", path, copyOf, message);
                        break;
                    default:
                        Log.LogWarning(null, FileWarningCode, null, source, 0, 0, 0, 0,
                            "ClipGen could not apply the libstdc++ load fix to {0}: {1}. {2}; TorchSharp may fail to load on this machine.",
                            source, message, inPlace ? "The file was left unchanged" : "The build uses it as shipped (no copy at " + path + ")");
                        break;
                }
            }

            PatchedFiles = patched.ToArray();
            return true;
        }

        /// <summary>
        /// Patches one file (temporary file + rename). Returns true when it wrote; otherwise
        /// <paramref name="message"/> is empty when there was nothing to do, or says why nothing was written.
        /// </summary>
        public static bool PatchFile(string path, string versionName, out string message)
        {
            FilePatchResult result = Patch(path, versionName, out message);
            if (result == FilePatchResult.AlreadyWeak || result == FilePatchResult.NotNeeded)
            {
                message = string.Empty;
            }

            return result == FilePatchResult.Patched;
        }

        /// <summary>
        /// Patches one file in place. Writes nothing unless the result is <see cref="FilePatchResult.Patched"/>,
        /// and then only a temporary file in the same folder, which atomically replaces the original.
        /// </summary>
        public static FilePatchResult Patch(string path, string versionName, out string message) =>
            PatchTo(path, path, versionName, patch: true, out message);

        /// <summary>
        /// Reads <paramref name="source"/> and makes <paramref name="destination"/> the fixed library: with
        /// the need marked weak (<see cref="FilePatchResult.Patched"/>), or, when there is nothing to patch or
        /// <paramref name="patch"/> is false, an unchanged copy (AlreadyWeak / NotNeeded; in place, nothing is
        /// written then). The destination is only ever replaced by a rename of a complete temporary file. When
        /// the source cannot be fixed (<see cref="FilePatchResult.Failed"/>), a separate destination is deleted,
        /// so a stale copy is never used in its place.
        /// </summary>
        public static FilePatchResult PatchTo(string source, string destination, string versionName, bool patch, out string message)
        {
            bool inPlace = string.Equals(Path.GetFullPath(source), Path.GetFullPath(destination), StringComparison.Ordinal);
            byte[] image;
            try
            {
                image = File.ReadAllBytes(source);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                message = "cannot read it (" + e.Message + ")";
                return Fail(inPlace, destination);
            }

            ElfPatchOutcome outcome = patch
                ? ElfVersionNeeds.MarkWeak(image, versionName, out message)
                : NotNeededHere(versionName, out message);
            if (outcome == ElfPatchOutcome.Invalid)
            {
                return Fail(inPlace, destination);
            }

            FilePatchResult result = outcome == ElfPatchOutcome.Patched ? FilePatchResult.Patched
                : outcome == ElfPatchOutcome.AlreadyWeak ? FilePatchResult.AlreadyWeak
                : FilePatchResult.NotNeeded;
            if (inPlace && result != FilePatchResult.Patched)
            {
                return result;
            }

            string written = message;
            if (!TryWriteAtomically(source, destination, image, out message))
            {
                return Fail(inPlace, destination);
            }

            message = written;
            return result;
        }

        private static ElfPatchOutcome NotNeededHere(string versionName, out string message)
        {
            message = "this machine's libstdc++ defines " + versionName;
            return ElfPatchOutcome.NotNeeded;
        }

        private static FilePatchResult Fail(bool inPlace, string destination)
        {
            if (!inPlace && File.Exists(destination))
            {
                TryDelete(destination);
            }

            return FilePatchResult.Failed;
        }

        private static bool TryWriteAtomically(string source, string destination, byte[] image, out string message)
        {
            message = string.Empty;
            string temp = string.Empty;
            try
            {
                // A rename over a read-only file succeeds on POSIX, so honour the attribute explicitly.
                if (File.Exists(destination) && (File.GetAttributes(destination) & FileAttributes.ReadOnly) != 0)
                {
                    message = "it is read-only";
                    return false;
                }

                // A unique name: two builds sharing an output folder must not write one temporary file.
                string folder = Path.GetDirectoryName(destination) ?? ".";
                Directory.CreateDirectory(folder);
                temp = Path.Combine(folder, "." + Path.GetFileName(destination) + "." + Guid.NewGuid().ToString("N") + TempSuffix);

                // Copying first keeps the source's permissions; the content is then overwritten in full,
                // which also gives the file the current time (MSBuild's up-to-date check compares it).
                File.Copy(source, temp, overwrite: false);
                using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write, FileShare.None))
                {
                    stream.SetLength(image.Length);
                    stream.Write(image, 0, image.Length);
                    stream.Flush(flushToDisk: true);
                }

                // A rename within one folder is atomic on POSIX file systems: readers see the old or the
                // new file, never a half-written one, and a hard link into the NuGet cache is replaced,
                // not edited through.
                if (File.Exists(destination))
                {
                    File.Replace(temp, destination, destinationBackupFileName: null);
                }
                else
                {
                    File.Move(temp, destination);
                }

                return true;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException)
            {
                if (temp.Length > 0)
                {
                    TryDelete(temp);
                }

                message = "cannot write it (" + e.Message + ")";
                return false;
            }
        }

        private static FilePatchResult Refuse(string why, out string message)
        {
            message = why;
            return FilePatchResult.Failed;
        }

        private bool IsInsideOutput(string path)
        {
            if (string.IsNullOrEmpty(OutputDirectory))
            {
                return true;
            }

            string root = Path.GetFullPath(OutputDirectory);
            if (!root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal))
            {
                root += Path.DirectorySeparatorChar;
            }

            return Path.GetFullPath(path).StartsWith(root, StringComparison.Ordinal);
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // Best effort: the temporary file is in the build output and harmless.
            }
        }

        private bool SystemDefinesVersion()
        {
            bool explicitPath = !string.IsNullOrEmpty(LibStdCxxPath);
            foreach (string candidate in Candidates())
            {
                if (!File.Exists(candidate))
                {
                    continue;
                }

                try
                {
                    bool defines = ElfVersionNeeds.DefinesVersion(File.ReadAllBytes(candidate), VersionName, out string reason);
                    Log.LogMessage(MessageImportance.Low, "ClipGen: {0}: {1}", candidate, reason);
                    return defines;
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    Log.LogMessage(MessageImportance.Low, "ClipGen: cannot read {0}: {1}", candidate, e.Message);
                }
            }

            if (explicitPath)
            {
                Log.LogWarning(null, SettingsWarningCode, null, null, 0, 0, 0, 0,
                    "ClipGen: ClipGenLibStdCxxPath '{0}' cannot be read; the libstdc++ load fix is skipped.", LibStdCxxPath);
                return true;
            }

            // No libstdc++ found: TorchSharp cannot load here anyway, so leave the library as shipped.
            Log.LogMessage(MessageImportance.Low, "ClipGen: no libstdc++.so.6 found; the libstdc++ load fix is not needed here");
            return true;
        }

        private IEnumerable<string> Candidates()
        {
            if (!string.IsNullOrEmpty(LibStdCxxPath))
            {
                yield return LibStdCxxPath;
                yield break;
            }

            foreach (string folder in LibraryFolders)
            {
                yield return Path.Combine(folder, "libstdc++.so.6");
            }
        }
    }
}
