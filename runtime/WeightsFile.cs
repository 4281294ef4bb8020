using System.Buffers.Binary;
using System.Text;

namespace StaticRnn;

/// <summary>
/// The weights file: little-endian binary, self-describing and checked.
/// <code>
/// "SRNNWTS1"  magic (8 bytes)
/// int32       number of arrays
/// per array:  int32 name length, UTF-8 name, int32 rank, int32 dims[rank], float32 values[product(dims)]
/// [optimizer] "OPTIMIZR", int32 type name length, UTF-8 type name, int64 iterations, float32 learning rate,
///             int32 parameters, int32 slots, float32 values[slots × parameters]     (checkpoints only)
/// uint32      CRC-32 of everything before it
/// </code>
/// Loading checks every name and shape against the network and the checksum before touching the parameters,
/// so a wrong or damaged file changes nothing. Saving writes a temporary file and renames it into place, so a
/// checkpoint (weights and optimizer state in one file) is never half written.
/// </summary>
public static class WeightsFile
{
    private static ReadOnlySpan<byte> Magic => "SRNNWTS1"u8;
    private static ReadOnlySpan<byte> OptimizerMagic => "OPTIMIZR"u8;

    /// <summary>
    /// Writes <paramref name="parameters"/> laid out as <paramref name="weights"/> to <paramref name="path"/>, with the
    /// state of <paramref name="optimizer"/> (a checkpoint) when given.
    /// </summary>
    public static void Save(string path, IReadOnlyList<WeightInfo> weights, ReadOnlySpan<float> parameters, Optimizer? optimizer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(weights);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(weights.Count);
            foreach (WeightInfo w in weights)
            {
                byte[] name = Encoding.UTF8.GetBytes(w.Name);
                writer.Write(name.Length);
                writer.Write(name);
                writer.Write(w.Shape.Count);
                foreach (int d in w.Shape)
                {
                    writer.Write(d);
                }
                foreach (float v in parameters.Slice(w.Offset, w.Length))
                {
                    writer.Write(v);
                }
            }
            if (optimizer is { StateSize: >= 0 })
            {
                writer.Write(OptimizerMagic);
                byte[] type = Encoding.UTF8.GetBytes(optimizer.GetType().Name);
                writer.Write(type.Length);
                writer.Write(type);
                writer.Write(optimizer.Iterations);
                writer.Write(optimizer.LearningRate);
                writer.Write(optimizer.StateSize);
                IReadOnlyList<float[]> slots = optimizer.StateSlots;
                writer.Write(slots.Count);
                foreach (float[] slot in slots)
                {
                    foreach (float v in slot)
                    {
                        writer.Write(v);
                    }
                }
            }
        }
        uint crc = Crc32(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(tail, crc);
        buffer.Write(tail);
        Kernels.AtomicFile.WriteAllBytes(path, buffer.ToArray());
    }

    /// <summary>
    /// Reads <paramref name="path"/> into <paramref name="parameters"/>. Throws <see cref="InvalidDataException"/> when the file
    /// is not a weights file, is damaged, or its arrays differ in name, order or shape from <paramref name="weights"/>.
    /// </summary>
    public static void Load(string path, IReadOnlyList<WeightInfo> weights, Span<float> parameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(weights);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + 8 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{path}' is not a StaticRnn weights file (no SRNNWTS1 header).");
        }
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        if (Crc32(bytes.AsSpan(0, bytes.Length - 4)) != stored)
        {
            throw new InvalidDataException($"'{path}' is damaged: its checksum does not match its contents.");
        }
        var staged = new float[parameters.Length];
        try
        {
            ReadArrays(path, bytes, weights, staged);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException($"'{path}' is malformed: its array headers do not match its length.", e);
        }
        staged.CopyTo(parameters);
    }

    private static void ReadArrays(string path, byte[] bytes, IReadOnlyList<WeightInfo> weights, float[] staged)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 4), Encoding.UTF8);
        reader.ReadBytes(Magic.Length);
        int count = reader.ReadInt32();
        if (count != weights.Count)
        {
            throw new InvalidDataException($"'{path}' holds {count} weight arrays; this network has {weights.Count} ({string.Join(", ", weights.Select(w => w.Name))}).");
        }
        foreach (WeightInfo w in weights)
        {
            string name = ReadText(reader, path);
            int rank = reader.ReadInt32();
            if (rank is < 0 or > 8)
            {
                throw new InvalidDataException($"'{path}': array '{name}' has an invalid rank {rank}.");
            }
            var shape = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                shape[i] = reader.ReadInt32();
            }
            if (name != w.Name || !shape.AsSpan().SequenceEqual(w.Shape.ToArray()))
            {
                string fileShape = rank == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
                throw new InvalidDataException($"'{path}' has {name} {fileShape} where this network expects {w}.");
            }
            for (int i = 0; i < w.Length; i++)
            {
                staged[w.Offset + i] = reader.ReadSingle();
            }
        }
        long rest = reader.BaseStream.Length - reader.BaseStream.Position;
        if (rest != 0 && !(rest >= OptimizerMagic.Length && reader.ReadBytes(OptimizerMagic.Length).AsSpan().SequenceEqual(OptimizerMagic)))
        {
            throw new InvalidDataException($"'{path}' has {rest} bytes after its last array.");
        }
    }

    /// <summary>
    /// Puts the optimizer state of the checkpoint <paramref name="path"/> (written by <c>ModelCheckpoint</c>) into
    /// <paramref name="optimizer"/>: its iterations, learning rate and slots. With the weights (<c>LoadWeights</c> of the
    /// same file) and <c>Fit(..., initialEpoch)</c>, training resumes where the checkpoint was written. A file without
    /// optimizer state, of another optimizer type or size, or damaged changes nothing and throws.
    /// </summary>
    public static void LoadOptimizerState(string path, Optimizer optimizer)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(optimizer);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + 8 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{path}' is not a StaticRnn weights file (no SRNNWTS1 header).");
        }
        if (Crc32(bytes.AsSpan(0, bytes.Length - 4)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)))
        {
            throw new InvalidDataException($"'{path}' is damaged: its checksum does not match its contents.");
        }
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 4), Encoding.UTF8);
            reader.ReadBytes(Magic.Length);
            int count = reader.ReadInt32();
            if (count < 0 || count > bytes.Length / 8)
            {
                throw new InvalidDataException($"'{path}' is malformed: it claims {count} weight arrays in {bytes.Length} bytes.");
            }
            for (int a = 0; a < count; a++)
            {
                ReadText(reader, path); // the name
                int rank = reader.ReadInt32();
                long length = 1;
                for (int i = 0; i < rank; i++)
                {
                    length = checked(length * reader.ReadInt32());
                }
                if (rank < 0 || length < 0 || length * 4 > reader.BaseStream.Length - reader.BaseStream.Position)
                {
                    throw new InvalidDataException($"'{path}' is malformed: array {a} claims {length} values, more than its length holds.");
                }
                reader.BaseStream.Seek(length * 4, SeekOrigin.Current);
            }
            if (reader.BaseStream.Length - reader.BaseStream.Position < OptimizerMagic.Length || !reader.ReadBytes(OptimizerMagic.Length).AsSpan().SequenceEqual(OptimizerMagic))
            {
                throw new InvalidDataException($"'{path}' holds weights but no optimizer state (SaveWeights writes none; ModelCheckpoint does).");
            }
            string type = ReadText(reader, path);
            if (type != optimizer.GetType().Name)
            {
                throw new InvalidDataException($"'{path}' holds the state of a {type} optimizer, not of a {optimizer.GetType().Name}.");
            }
            long iterations = reader.ReadInt64();
            float learningRate = reader.ReadSingle();
            int size = reader.ReadInt32(), slots = reader.ReadInt32();
            if (size < 0 || slots < 0 || (long)size * slots * 4 != reader.BaseStream.Length - reader.BaseStream.Position)
            {
                throw new InvalidDataException($"'{path}': its optimizer state claims {slots} slots of {size} parameters, which its length does not hold.");
            }
            if (optimizer.StateSize >= 0 && optimizer.StateSize != size)
            {
                throw new InvalidDataException($"'{path}' holds optimizer state for {size} parameters; this optimizer's is for {optimizer.StateSize}.");
            }
            var values = new float[slots][];
            for (int k = 0; k < slots; k++)
            {
                values[k] = new float[size];
                for (int i = 0; i < size; i++)
                {
                    values[k][i] = reader.ReadSingle();
                }
            }
            if (!(learningRate > 0) || !float.IsFinite(learningRate) || iterations < 0)
            {
                throw new InvalidDataException($"'{path}': its optimizer state has the learning rate {learningRate} and {iterations} iterations.");
            }
            optimizer.CheckSlots(slots, path);
            optimizer.Restore(iterations, learningRate, size, values);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException($"'{path}' is malformed: its headers do not match its length.", e);
        }
    }

    /// <summary>A length-prefixed UTF-8 name, its length checked against the bytes left before anything is allocated.</summary>
    private static string ReadText(BinaryReader reader, string path)
    {
        int length = reader.ReadInt32();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"'{path}' is malformed: a name claims {length} bytes and {reader.BaseStream.Length - reader.BaseStream.Position} are left.");
        }
        return Encoding.UTF8.GetString(reader.ReadBytes(length));
    }

    private static uint[]? s_crcTable;

    /// <summary>CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zip and PNG use.</summary>
    internal static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint[] table = s_crcTable ??= BuildTable();
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return ~crc;

        static uint[] BuildTable()
        {
            var t = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                }
                t[n] = c;
            }
            return t;
        }
    }
}
