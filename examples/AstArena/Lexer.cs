using System.Globalization;

namespace AllocGen.Examples.Ast;

/// <summary>Kinds of tokens.</summary>
public enum TokenKind : byte
{
    End,
    Separator, // a newline or ';': ends an expression
    Number,
    Identifier,
    Plus,
    Minus,
    Star,
    Slash,
    LeftParen,
    RightParen,
    Comma,
}

/// <summary>
/// Splits the source into tokens, one at a time and without allocating: identifiers are slices of the source and
/// numbers are parsed in place.
/// </summary>
public ref struct Lexer
{
    private readonly ReadOnlySpan<char> _source;
    private int _position;

    /// <summary>Creates a lexer positioned before the first token.</summary>
    public Lexer(ReadOnlySpan<char> source)
    {
        _source = source;
        Next();
    }

    /// <summary>The current token's kind.</summary>
    public TokenKind Kind { get; private set; }

    /// <summary>The current token's offset in the source.</summary>
    public int Start { get; private set; }

    /// <summary>The current token's text.</summary>
    public readonly ReadOnlySpan<char> Text => _source[Start.._position];

    /// <summary>The current token's value, for <see cref="TokenKind.Number"/>.</summary>
    public double Number { get; private set; }

    /// <summary>Moves to the next token.</summary>
    public void Next()
    {
        ReadOnlySpan<char> s = _source;
        int i = _position;
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
        {
            i++;
        }

        Start = i;
        if (i == s.Length)
        {
            Kind = TokenKind.End;
            _position = i;
            return;
        }

        char c = s[i];
        if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1])))
        {
            i++;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            _position = i;
            Kind = TokenKind.Number;
            if (!double.TryParse(s[Start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
            {
                throw Error(Start, $"'{s[Start..i]}' is not a number");
            }

            Number = value;
            return;
        }

        if (char.IsAsciiLetter(c) || c == '_')
        {
            i++;
            while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_'))
            {
                i++;
            }

            _position = i;
            Kind = TokenKind.Identifier;
            return;
        }

        _position = i + 1;
        Kind = c switch
        {
            '\n' or ';' => TokenKind.Separator,
            '+' => TokenKind.Plus,
            '-' => TokenKind.Minus,
            '*' => TokenKind.Star,
            '/' => TokenKind.Slash,
            '(' => TokenKind.LeftParen,
            ')' => TokenKind.RightParen,
            ',' => TokenKind.Comma,
            _ => throw Error(i, $"unexpected character '{c}'"),
        };
    }

    /// <summary>An error at an offset of the source, with its line and column.</summary>
    public readonly FormatException Error(int offset, string message)
    {
        ReadOnlySpan<char> before = _source[..offset];
        int line = before.Count('\n') + 1;
        int column = offset - (before.LastIndexOf('\n') + 1) + 1;
        return new FormatException($"({line},{column}): {message}.");
    }
}
