using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace ClipGen.TorchSharp.Tests.Monitoring;

/// <summary>One summary value of an event: a scalar (<c>simple_value</c>) or a histogram.</summary>
internal sealed record TfValue(long Step, string Tag, float? Scalar, TfHistogram? Histogram);

/// <summary>The fields of TensorBoard's <c>HistogramProto</c>.</summary>
internal sealed record TfHistogram(double Min, double Max, double Num, double Sum, double SumSquares, double[] BucketLimits, double[] Buckets);

/// <summary>
/// Reads a <c>tfevents</c> file independently of TorchSharp's writer: TFRecord framing (u64 length, u32 masked
/// CRC32C of the length bytes, payload, u32 masked CRC32C of the payload; both CRCs checked) and a hand-written
/// protobuf wire decoder for <c>Event</c> (wall_time 1, step 2, file_version 3, summary 5) → <c>Summary</c>
/// (value 1) → <c>Value</c> (tag 1, simple_value 2, histo 5) → <c>HistogramProto</c> (1–5 doubles, 6/7 packed doubles).
/// </summary>
internal static class TfEventReader
{
    public static (string? FileVersion, List<TfValue> Values) Read(string path)
    {
        byte[] data = File.ReadAllBytes(path);
        string? fileVersion = null;
        var values = new List<TfValue>();
        int at = 0;
        while (at < data.Length)
        {
            if (data.Length - at < 12) throw new InvalidDataException($"truncated record header at byte {at}");
            ReadOnlySpan<byte> lengthBytes = data.AsSpan(at, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            uint lengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at + 8, 4));
            if (lengthCrc != MaskedCrc32C(lengthBytes)) throw new InvalidDataException($"bad length CRC at byte {at}");
            at += 12;
            if ((ulong)(data.Length - at) < length + 4) throw new InvalidDataException($"truncated record at byte {at}");
            ReadOnlySpan<byte> payload = data.AsSpan(at, (int)length);
            uint payloadCrc = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at + (int)length, 4));
            if (payloadCrc != MaskedCrc32C(payload)) throw new InvalidDataException($"bad payload CRC at byte {at}");
            at += (int)length + 4;
            ReadEvent(payload.ToArray(), ref fileVersion, values);
        }

        return (fileVersion, values);
    }

    /// <summary>TFRecord's mask: rotate the CRC32C right by 15 bits and add 0xa282ead8.</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> bytes)
    {
        uint crc = ~0u;
        foreach (byte b in bytes) crc = BitOperations.Crc32C(crc, b);
        crc = ~crc;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    private static void ReadEvent(byte[] payload, ref string? fileVersion, List<TfValue> values)
    {
        long step = 0;
        var summaries = new List<byte[]>();
        foreach (var (field, wire, varint, bytes) in Fields(payload))
        {
            switch (field)
            {
                case 2 when wire == 0: step = (long)varint; break;
                case 3 when wire == 2: fileVersion = Encoding.UTF8.GetString(bytes); break;
                case 5 when wire == 2: summaries.Add(bytes); break;
            }
        }

        foreach (byte[] summary in summaries)
        {
            foreach (var (field, wire, _, value) in Fields(summary))
            {
                if (field == 1 && wire == 2) values.Add(ReadValue(step, value));
            }
        }
    }

    private static TfValue ReadValue(long step, byte[] value)
    {
        string tag = "";
        float? scalar = null;
        TfHistogram? histogram = null;
        foreach (var (field, wire, raw, bytes) in Fields(value))
        {
            switch (field)
            {
                case 1 when wire == 2: tag = Encoding.UTF8.GetString(bytes); break;
                case 2 when wire == 5: scalar = BitConverter.Int32BitsToSingle((int)raw); break;
                case 5 when wire == 2: histogram = ReadHistogram(bytes); break;
            }
        }

        return new TfValue(step, tag, scalar, histogram);
    }

    private static TfHistogram ReadHistogram(byte[] histo)
    {
        var d = new double[6];
        var limits = new List<double>();
        var buckets = new List<double>();
        foreach (var (field, wire, raw, bytes) in Fields(histo))
        {
            if (field is >= 1 and <= 5 && wire == 1) d[field] = BitConverter.Int64BitsToDouble((long)raw);
            else if (field is 6 or 7 && wire == 2) (field == 6 ? limits : buckets).AddRange(PackedDoubles(bytes));
            else if (field is 6 or 7 && wire == 1) (field == 6 ? limits : buckets).Add(BitConverter.Int64BitsToDouble((long)raw));
        }

        return new TfHistogram(d[1], d[2], d[3], d[4], d[5], limits.ToArray(), buckets.ToArray());
    }

    private static IEnumerable<double> PackedDoubles(byte[] bytes)
    {
        for (int i = 0; i + 8 <= bytes.Length; i += 8)
            yield return BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i, 8));
    }

    /// <summary>The fields of a protobuf message: number, wire type, the varint/fixed value, or the length-delimited bytes.</summary>
    private static List<(int Field, int Wire, ulong Raw, byte[] Bytes)> Fields(byte[] message)
    {
        var fields = new List<(int, int, ulong, byte[])>();
        int at = 0;
        while (at < message.Length)
        {
            ulong key = Varint(message, ref at);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: fields.Add((field, wire, Varint(message, ref at), [])); break;
                case 1: fields.Add((field, wire, BinaryPrimitives.ReadUInt64LittleEndian(message.AsSpan(at, 8)), [])); at += 8; break;
                case 5: fields.Add((field, wire, BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(at, 4)), [])); at += 4; break;
                case 2:
                    int length = (int)Varint(message, ref at);
                    fields.Add((field, wire, 0, message.AsSpan(at, length).ToArray()));
                    at += length;
                    break;
                default: throw new InvalidDataException($"unsupported wire type {wire} (field {field})");
            }
        }

        return fields;
    }

    private static ulong Varint(byte[] data, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
    }
}
