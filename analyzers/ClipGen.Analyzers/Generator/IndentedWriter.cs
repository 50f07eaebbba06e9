using System.Text;

namespace ClipGen.Analyzers.Generator;

/// <summary>A minimal indented text writer (netstandard2.0 has no System.CodeDom one): four spaces, '\n' line ends.</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    public IndentedWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            _builder.Append(' ', _indent * 4).Append(text);
        }

        _builder.Append('\n');
        return this;
    }

    /// <summary>Writes <c>{</c> and indents until the returned scope is disposed, which writes <c>}</c>.</summary>
    public Block OpenBlock(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return new Block(this);
    }

    public override string ToString() => _builder.ToString();

    internal readonly struct Block : IDisposable
    {
        private readonly IndentedWriter _writer;

        public Block(IndentedWriter writer) => _writer = writer;

        public void Dispose()
        {
            _writer._indent--;
            _writer.Line("}");
        }
    }
}
