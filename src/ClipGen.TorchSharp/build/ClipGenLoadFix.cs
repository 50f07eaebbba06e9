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
        /// <summary>The version need was found and its VER_FLG_WEAK bit set in the buffer.</summary>
        Patched,
        /// <summary>The version need is already weak: nothing to do.</summary>
        AlreadyWeak,
        /// <summary>The file is a valid ELF64 library that does not need that version.</summary>
        NotNeeded,
        /// <summary>The file is not a little-endian ELF64 image we can edit safely; see the reason.</summary>
        Invalid,
    }

    /// <summary>Reads and edits the GNU symbol-versioning sections of a little-endian ELF64 image.</summary>
    /// <remarks>Every offset is checked against the buffer before it is read or written; a malformed
    /// image yields <see cref="ElfPatchOutcome.Invalid"/> and leaves the buffer untouched.</remarks>
    public static class ElfVersionNeeds
    {
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlgWeak = 0x2;
        private const int MaxEntries = 1 << 16; // bounds loops on corrupted vn_next/vna_next chains

        /// <summary>Sets VER_FLG_WEAK on the Vernaux entry naming <paramref name="versionName"/>.</summary>
        public static ElfPatchOutcome MarkWeak(byte[] image, string versionName, out string reason)
        {
            var offsets = new List<long>();
            ElfPatchOutcome outcome = FindVernaux(image, versionName, offsets, out reason);
            if (outcome != ElfPatchOutcome.Patched)
            {
                return outcome;
            }

            bool changed = false;
            foreach (long flagsOffset in offsets)
            {
                ushort flags = ReadU16(image, flagsOffset);
                if ((flags & VerFlgWeak) == 0)
                {
                    WriteU16(image, flagsOffset, (ushort)(flags | VerFlgWeak));
                    changed = true;
                }
            }

            if (!changed)
            {
                reason = versionName + " is already marked weak";
                return ElfPatchOutcome.AlreadyWeak;
            }

            reason = "marked the " + versionName + " version need weak";
            return ElfPatchOutcome.Patched;
        }

        /// <summary>Whether the image needs <paramref name="versionName"/> with the weak flag clear.</summary>
        public static bool NeedsStrongly(byte[] image, string versionName)
        {
            var offsets = new List<long>();
            if (FindVernaux(image, versionName, offsets, out _) != ElfPatchOutcome.Patched)
            {
                return false;
            }

            foreach (long flagsOffset in offsets)
            {
                if ((ReadU16(image, flagsOffset) & VerFlgWeak) == 0)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether the image (a shared library such as libstdc++.so.6) defines <paramref name="versionName"/>.</summary>
        public static bool DefinesVersion(byte[] image, string versionName, out string reason)
        {
            if (!TryFindSection(image, ShtGnuVerdef, out Section verdef, out Section strtab, out reason))
            {
                return false;
            }

            long entry = verdef.Offset;
            for (int i = 0; i < MaxEntries; i++)
            {
                // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32
                if (!Within(image, entry, 20) || entry + 20 > verdef.Offset + verdef.Size)
                {
                    reason = "a version definition lies outside .gnu.version_d";
                    return false;
                }

                uint aux = ReadU32(image, entry + 12);
                uint next = ReadU32(image, entry + 16);
                long auxEntry = entry + aux;
                if (aux != 0 && Within(image, auxEntry, 8)
                    && TryReadString(image, strtab, ReadU32(image, auxEntry), out string name)
                    && name == versionName)
                {
                    reason = versionName + " is defined";
                    return true;
                }

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

        private static ElfPatchOutcome FindVernaux(byte[] image, string versionName, List<long> flagOffsets, out string reason)
        {
            if (!TryFindSection(image, ShtGnuVerneed, out Section verneed, out Section strtab, out reason))
            {
                return reason.Length == 0 ? ElfPatchOutcome.NotNeeded : ElfPatchOutcome.Invalid;
            }

            long end = verneed.Offset + verneed.Size;
            long entry = verneed.Offset;
            for (int i = 0; i < MaxEntries; i++)
            {
                // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
                if (entry + 16 > end)
                {
                    reason = "a version need lies outside .gnu.version_r";
                    return ElfPatchOutcome.Invalid;
                }

                ushort count = ReadU16(image, entry + 2);
                long aux = entry + ReadU32(image, entry + 8);
                for (int j = 0; j < count; j++)
                {
                    // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                    if (aux < verneed.Offset || aux + 16 > end)
                    {
                        reason = "a version need entry lies outside .gnu.version_r";
                        return ElfPatchOutcome.Invalid;
                    }

                    if (!TryReadString(image, strtab, ReadU32(image, aux + 8), out string name))
                    {
                        reason = "a version name lies outside the dynamic string table";
                        return ElfPatchOutcome.Invalid;
                    }

                    if (name == versionName)
                    {
                        flagOffsets.Add(aux + 4);
                    }

                    uint nextAux = ReadU32(image, aux + 12);
                    if (nextAux == 0)
                    {
                        break;
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

            if (flagOffsets.Count == 0)
            {
                reason = versionName + " is not needed";
                return ElfPatchOutcome.NotNeeded;
            }

            reason = string.Empty;
            return ElfPatchOutcome.Patched;
        }

        private struct Section
        {
            public long Offset;
            public long Size;
        }

        // Finds the first section of the given type and the string table it links to. An empty reason
        // with a false result means "valid ELF64, no such section".
        private static bool TryFindSection(byte[] image, uint type, out Section section, out Section strtab, out string reason)
        {
            section = default;
            strtab = default;
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

            long shoff = (long)Math.Min(ReadU64(image, 40), long.MaxValue);
            ushort shentsize = ReadU16(image, 58);
            ushort shnum = ReadU16(image, 60);
            if (shoff == 0 || shnum == 0)
            {
                reason = "the file has no section headers";
                return false;
            }

            if (shentsize != 64 || shoff < 64 || !Within(image, shoff, (long)shnum * 64))
            {
                reason = "the section header table lies outside the file";
                return false;
            }

            for (int i = 0; i < shnum; i++)
            {
                long header = shoff + (long)i * 64;
                if (ReadU32(image, header + 4) != type)
                {
                    continue;
                }

                if (!TryReadSection(image, header, out section))
                {
                    reason = "a versioning section lies outside the file";
                    return false;
                }

                uint link = ReadU32(image, header + 40);
                if (link >= shnum || !TryReadSection(image, shoff + (long)link * 64, out strtab))
                {
                    reason = "the versioning section links to a missing string table";
                    return false;
                }

                reason = string.Empty;
                return true;
            }

            reason = string.Empty;
            return false;
        }

        private static bool TryReadSection(byte[] image, long header, out Section section)
        {
            ulong offset = ReadU64(image, header + 24);
            ulong size = ReadU64(image, header + 32);
            section = default;
            if (offset > (ulong)image.Length || size > (ulong)image.Length - offset)
            {
                return false;
            }

            section.Offset = (long)offset;
            section.Size = (long)size;
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

        private static bool Within(byte[] image, long offset, long length) =>
            offset >= 0 && length >= 0 && offset <= image.Length && length <= image.Length - offset;

        private static ushort ReadU16(byte[] b, long o) => (ushort)(b[o] | (b[o + 1] << 8));

        private static uint ReadU32(byte[] b, long o) =>
            (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));

        private static ulong ReadU64(byte[] b, long o) => ReadU32(b, o) | ((ulong)ReadU32(b, o + 4) << 32);

        private static void WriteU16(byte[] b, long o, ushort value)
        {
            b[o] = (byte)value;
            b[o + 1] = (byte)(value >> 8);
        }
    }

    /// <summary>
    /// MSBuild task: in each given copy of libLibTorchSharp.so, marks the GLIBCXX_3.4.32 need weak when
    /// the machine's libstdc++ does not define that version. Writes a temporary file and renames it
    /// over the original, so a failure never leaves a half-written library and a hard link into the
    /// NuGet cache is replaced rather than edited.
    /// </summary>
    public sealed class ClipGenWeakenGlibcxxNeed : Microsoft.Build.Utilities.Task
    {
        /// <summary>The copies of libLibTorchSharp.so in the build or publish output.</summary>
        [Required]
        public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>The version need to weaken.</summary>
        public string VersionName { get; set; } = "GLIBCXX_3.4.32";

        /// <summary><c>auto</c> (patch only when the machine's libstdc++ lacks the version) or <c>always</c>.</summary>
        public string Mode { get; set; } = "auto";

        /// <summary>Optional explicit path of the libstdc++ to check (else the usual library folders).</summary>
        public string LibStdCxxPath { get; set; } = string.Empty;

        /// <summary>The files that were patched by this run.</summary>
        [Output]
        public ITaskItem[] PatchedFiles { get; set; } = Array.Empty<ITaskItem>();

        private static readonly string[] LibraryFolders =
        {
            "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64",
            "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib", "/lib",
        };

        /// <inheritdoc />
        public override bool Execute()
        {
            if (!string.Equals(Mode, "always", StringComparison.OrdinalIgnoreCase) && SystemDefinesVersion())
            {
                return true;
            }

            var patched = new List<ITaskItem>();
            foreach (ITaskItem item in Files)
            {
                string path = item.GetMetadata("FullPath");
                if (PatchFile(path, VersionName, out string message))
                {
                    Log.LogMessage(MessageImportance.High,
                        "ClipGen: patched {0}: {1} (this machine's libstdc++ lacks it; TorchSharp would not load otherwise). Set ClipGenPatchLibTorchSharp=false to opt out.",
                        path, message);
                    patched.Add(item);
                }
                else if (message.Length > 0)
                {
                    Log.LogWarning(null, "CLIPGEN001", null, path, 0, 0, 0, 0,
                        "ClipGen could not apply the libstdc++ load fix to {0}: {1}. TorchSharp may fail to load on this machine.", path, message);
                }
            }

            PatchedFiles = patched.ToArray();
            return true;
        }

        /// <summary>
        /// Patches one file in place (temporary file + rename). Returns true when it wrote; otherwise
        /// <paramref name="message"/> is empty when there was nothing to do, or says why nothing was written.
        /// </summary>
        public static bool PatchFile(string path, string versionName, out string message)
        {
            byte[] image;
            try
            {
                image = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                message = "cannot read it (" + e.Message + ")";
                return false;
            }

            ElfPatchOutcome outcome = ElfVersionNeeds.MarkWeak(image, versionName, out string reason);
            if (outcome == ElfPatchOutcome.AlreadyWeak || outcome == ElfPatchOutcome.NotNeeded)
            {
                message = string.Empty;
                return false;
            }

            if (outcome == ElfPatchOutcome.Invalid)
            {
                message = reason;
                return false;
            }

            if ((File.GetAttributes(path) & FileAttributes.ReadOnly) != 0)
            {
                message = "it is read-only";
                return false;
            }

            string temp = path + ".clipgen-tmp";
            try
            {
                File.WriteAllBytes(temp, image);

                // A rename within one folder is atomic on POSIX file systems: readers see the old or the
                // new file, never a half-written one, and a hard link into the NuGet cache is replaced,
                // not edited through.
                File.Replace(temp, path, destinationBackupFileName: null);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                TryDelete(temp);
                message = "cannot write it (" + e.Message + ")";
                return false;
            }

            message = reason;
            return true;
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
