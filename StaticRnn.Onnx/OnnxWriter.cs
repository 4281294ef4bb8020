using Google.Protobuf;

namespace StaticRnn.Onnx;

/// <summary>
/// The few ONNX protobuf messages an exported network needs (onnx.proto field numbers), written with Google.Protobuf's
/// wire-format writer: a model of one graph, its nodes with their attributes, float and int64 initializers, and typed
/// inputs and outputs whose first dimension is the symbolic <c>batch</c>.
/// </summary>
internal static class OnnxWriter
{
    public const int FloatType = 1, Int64Type = 7;

    /// <summary>A node: <paramref name="Op"/> from <paramref name="Inputs"/> (empty names for absent optional ones) to <paramref name="Outputs"/>.</summary>
    public sealed record Node(string Op, string Name, string[] Inputs, string[] Outputs, OnnxWriter.Attribute[] Attributes);

    /// <summary>One attribute: exactly one of the values, as ONNX's AttributeProto.</summary>
    public sealed record Attribute(string Name, long? Int = null, float? FloatValue = null, string? Text = null, long[]? Ints = null, float[]? Floats = null, string[]? Texts = null);

    /// <summary>A constant tensor: float values, or int64 ones.</summary>
    public sealed record Tensor(string Name, long[] Dims, float[]? Floats = null, long[]? Ints = null);

    /// <summary>A graph input or output: element type and dimensions, the first one symbolic (<c>batch</c>).</summary>
    public sealed record Value(string Name, int ElementType, long[] Dims);

    public static byte[] Model(string graphName, IReadOnlyList<Node> nodes, IReadOnlyList<Tensor> initializers, Value input, Value output, int opset)
    {
        return Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt64(8); // ir_version 8
            Bytes(o, 2, "StaticRnn.Onnx");
            Bytes(o, 3, typeof(OnnxWriter).Assembly.GetName().Version?.ToString() ?? "0");
            Sub(o, 7, Graph(graphName, nodes, initializers, input, output));
            Sub(o, 8, Message(s =>
            {
                Bytes(s, 1, "");
                s.WriteTag(2, WireFormat.WireType.Varint); s.WriteInt64(opset);
            }));
        });
    }

    private static byte[] Graph(string name, IReadOnlyList<Node> nodes, IReadOnlyList<Tensor> initializers, Value input, Value output) => Message(o =>
    {
        foreach (Node node in nodes)
        {
            Sub(o, 1, NodeBytes(node));
        }
        Bytes(o, 2, name);
        foreach (Tensor t in initializers)
        {
            Sub(o, 5, TensorBytes(t));
        }
        Sub(o, 11, ValueBytes(input));
        Sub(o, 12, ValueBytes(output));
    });

    private static byte[] NodeBytes(Node node) => Message(o =>
    {
        foreach (string input in node.Inputs)
        {
            Bytes(o, 1, input);
        }
        foreach (string output in node.Outputs)
        {
            Bytes(o, 2, output);
        }
        Bytes(o, 3, node.Name);
        Bytes(o, 4, node.Op);
        foreach (OnnxWriter.Attribute a in node.Attributes)
        {
            Sub(o, 5, AttributeBytes(a));
        }
    });

    private static byte[] AttributeBytes(OnnxWriter.Attribute a) => Message(o =>
    {
        Bytes(o, 1, a.Name);
        int type;
        if (a.FloatValue is { } f)
        {
            o.WriteTag(2, WireFormat.WireType.Fixed32); o.WriteFloat(f);
            type = 1;
        }
        else if (a.Int is { } i)
        {
            o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt64(i);
            type = 2;
        }
        else if (a.Text is { } s)
        {
            Bytes(o, 4, s);
            type = 3;
        }
        else if (a.Floats is { } fs)
        {
            foreach (float v in fs)
            {
                o.WriteTag(7, WireFormat.WireType.Fixed32); o.WriteFloat(v);
            }
            type = 6;
        }
        else if (a.Ints is { } ints)
        {
            foreach (long v in ints)
            {
                o.WriteTag(8, WireFormat.WireType.Varint); o.WriteInt64(v);
            }
            type = 7;
        }
        else
        {
            foreach (string v in a.Texts ?? [])
            {
                Bytes(o, 9, v);
            }
            type = 8;
        }
        o.WriteTag(20, WireFormat.WireType.Varint); o.WriteInt32(type);
    });

    private static byte[] TensorBytes(Tensor t) => Message(o =>
    {
        foreach (long d in t.Dims)
        {
            o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt64(d);
        }
        o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt32(t.Floats is null ? Int64Type : FloatType);
        Bytes(o, 8, t.Name);
        byte[] raw;
        if (t.Floats is { } floats)
        {
            raw = new byte[floats.Length * 4];
            for (int i = 0; i < floats.Length; i++)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), floats[i]);
            }
        }
        else
        {
            long[] ints = t.Ints ?? [];
            raw = new byte[ints.Length * 8];
            for (int i = 0; i < ints.Length; i++)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), ints[i]);
            }
        }
        o.WriteTag(9, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(raw));
    });

    private static byte[] ValueBytes(Value v) => Message(o =>
    {
        Bytes(o, 1, v.Name);
        Sub(o, 2, Message(type => Sub(type, 1, Message(tensor =>
        {
            tensor.WriteTag(1, WireFormat.WireType.Varint); tensor.WriteInt32(v.ElementType);
            Sub(tensor, 2, Message(shape =>
            {
                Sub(shape, 1, Message(d => Bytes(d, 2, "batch")));
                foreach (long dim in v.Dims)
                {
                    Sub(shape, 1, Message(d => { d.WriteTag(1, WireFormat.WireType.Varint); d.WriteInt64(dim); }));
                }
            }));
        }))));
    });

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(output);
        }
        return buffer.ToArray();
    }

    private static void Sub(CodedOutputStream o, int field, byte[] message)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(message));
    }

    private static void Bytes(CodedOutputStream o, int field, string text)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(text);
    }
}
