namespace AllocGen.Examples.Ast;

/// <summary>Binary operators.</summary>
public enum BinaryOperator : byte
{
    Add,
    Subtract,
    Multiply,
    Divide,
}

/// <summary>Built-in functions.</summary>
public enum Function : byte
{
    Min,
    Max,
    Abs,
    Sqrt,
}

/// <summary>
/// What the parser calls to build a tree. Implemented by a struct per tree representation, so that the one parser
/// is compiled once per representation with direct (inlinable) calls.
/// </summary>
/// <typeparam name="TNode">The representation's reference to a node.</typeparam>
public interface ITreeBuilder<TNode>
{
    /// <summary>A numeric literal.</summary>
    TNode Number(double value);

    /// <summary>A variable, by its index in <see cref="Variables"/>.</summary>
    TNode Variable(int index);

    /// <summary>Unary minus.</summary>
    TNode Negate(TNode operand);

    /// <summary>A binary operation.</summary>
    TNode Binary(BinaryOperator op, TNode left, TNode right);

    /// <summary>A call of a one-argument function.</summary>
    TNode Call(Function function, TNode argument);

    /// <summary>A call of a two-argument function.</summary>
    TNode Call(Function function, TNode first, TNode second);

    /// <summary>One complete expression of the program, in source order.</summary>
    void Root(TNode expression);
}

/// <summary>
/// A recursive-descent parser for a program of expressions, one per line (or separated by <c>;</c>):
/// <code>
/// program := (expr? separator)* expr?
/// expr    := term (('+' | '-') term)*
/// term    := unary (('*' | '/') unary)*
/// unary   := '-' unary | primary
/// primary := number | variable | function '(' expr (',' expr)? ')' | '(' expr ')'
/// </code>
/// It only recognizes; the builder decides what a node is.
/// </summary>
/// <typeparam name="TNode">The representation's reference to a node.</typeparam>
/// <typeparam name="TBuilder">The representation's builder.</typeparam>
public ref struct Parser<TNode, TBuilder>
    where TBuilder : struct, ITreeBuilder<TNode>
{
    private const int MaxDepth = 256;

    private Lexer _lexer;
    private TBuilder _builder;
    private int _depth;

    private Parser(ReadOnlySpan<char> source, TBuilder builder)
    {
        _lexer = new Lexer(source);
        _builder = builder;
    }

    /// <summary>Parses a whole program; returns the builder, which holds the roots.</summary>
    /// <exception cref="FormatException">The source is not a valid program.</exception>
    public static TBuilder Parse(ReadOnlySpan<char> source, TBuilder builder)
    {
        var parser = new Parser<TNode, TBuilder>(source, builder);
        parser.ParseProgram();
        return parser._builder;
    }

    private void ParseProgram()
    {
        while (_lexer.Kind != TokenKind.End)
        {
            if (_lexer.Kind == TokenKind.Separator)
            {
                _lexer.Next();
                continue;
            }

            _builder.Root(ParseExpression());
            if (_lexer.Kind == TokenKind.Separator)
            {
                _lexer.Next();
            }
            else if (_lexer.Kind != TokenKind.End)
            {
                throw _lexer.Error(_lexer.Start, $"expected an operator or the end of the line, found '{_lexer.Text}'");
            }
        }
    }

    private TNode ParseExpression()
    {
        if (++_depth > MaxDepth)
        {
            throw _lexer.Error(_lexer.Start, "the expression is nested too deeply");
        }

        TNode left = ParseTerm();
        while (true)
        {
            BinaryOperator op;
            if (_lexer.Kind == TokenKind.Plus)
            {
                op = BinaryOperator.Add;
            }
            else if (_lexer.Kind == TokenKind.Minus)
            {
                op = BinaryOperator.Subtract;
            }
            else
            {
                _depth--;
                return left;
            }

            _lexer.Next();
            left = _builder.Binary(op, left, ParseTerm());
        }
    }

    private TNode ParseTerm()
    {
        TNode left = ParseUnary();
        while (true)
        {
            BinaryOperator op;
            if (_lexer.Kind == TokenKind.Star)
            {
                op = BinaryOperator.Multiply;
            }
            else if (_lexer.Kind == TokenKind.Slash)
            {
                op = BinaryOperator.Divide;
            }
            else
            {
                return left;
            }

            _lexer.Next();
            left = _builder.Binary(op, left, ParseUnary());
        }
    }

    private TNode ParseUnary()
    {
        if (_lexer.Kind != TokenKind.Minus)
        {
            return ParsePrimary();
        }

        if (++_depth > MaxDepth)
        {
            throw _lexer.Error(_lexer.Start, "too many unary minus signs");
        }

        _lexer.Next();
        TNode operand = ParseUnary();
        _depth--;
        return _builder.Negate(operand);
    }

    private TNode ParsePrimary()
    {
        switch (_lexer.Kind)
        {
            case TokenKind.Number:
                double value = _lexer.Number;
                _lexer.Next();
                return _builder.Number(value);

            case TokenKind.Identifier:
                int start = _lexer.Start;
                ReadOnlySpan<char> name = _lexer.Text;
                _lexer.Next();
                if (_lexer.Kind == TokenKind.LeftParen)
                {
                    return ParseCall(name, start);
                }

                int index = Variables.IndexOf(name);
                if (index < 0)
                {
                    throw _lexer.Error(start, $"unknown variable '{name}'");
                }

                return _builder.Variable(index);

            case TokenKind.LeftParen:
                _lexer.Next();
                TNode inner = ParseExpression();
                Expect(TokenKind.RightParen, "')'");
                return inner;

            default:
                throw _lexer.Error(_lexer.Start, _lexer.Kind == TokenKind.End || _lexer.Kind == TokenKind.Separator
                    ? "unexpected end of the expression"
                    : $"expected a number, a variable, a call or '(', found '{_lexer.Text}'");
        }
    }

    private TNode ParseCall(ReadOnlySpan<char> name, int start)
    {
        (Function function, int arity) = name switch
        {
            "min" => (Function.Min, 2),
            "max" => (Function.Max, 2),
            "abs" => (Function.Abs, 1),
            "sqrt" => (Function.Sqrt, 1),
            _ => throw _lexer.Error(start, $"unknown function '{name}'"),
        };

        _lexer.Next(); // '('
        TNode first = ParseExpression();
        if (arity == 1)
        {
            Expect(TokenKind.RightParen, "')' after the argument", function);
            return _builder.Call(function, first);
        }

        Expect(TokenKind.Comma, "',' and a second argument", function);
        TNode second = ParseExpression();
        Expect(TokenKind.RightParen, "')' after the arguments", function);
        return _builder.Call(function, first, second);
    }

    // The message is only formatted on failure: parsing a valid program allocates nothing but the builder's nodes.
    private void Expect(TokenKind kind, string what, Function? function = null)
    {
        if (_lexer.Kind != kind)
        {
            throw _lexer.Error(
                _lexer.Start,
                function is { } f ? $"expected {what} of {f.ToString().ToLowerInvariant()}" : $"expected {what}");
        }

        _lexer.Next();
    }
}

/// <summary>The variables a program may use, and their values.</summary>
public static class Variables
{
    private static readonly string[] Names = ["x", "y", "z", "t", "u", "v", "w", "alpha", "beta", "gamma", "rate", "scale", "offset"];

    /// <summary>The variable names, by index.</summary>
    public static ReadOnlySpan<string> All => Names;

    /// <summary>Values of the variables, by index. <c>offset</c> is 0, so divisions by it give infinities and NaNs.</summary>
    public static double[] Values { get; } = [1.5, -2.25, 3.0, 0.5, 7.0, -0.125, 42.0, 0.1, 2.718281828, 1e3, 0.07, -3.5, 0.0];

    /// <summary>The index of a variable, or -1.</summary>
    public static int IndexOf(ReadOnlySpan<char> name)
    {
        for (int i = 0; i < Names.Length; i++)
        {
            if (name.SequenceEqual(Names[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
